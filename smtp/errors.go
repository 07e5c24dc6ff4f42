package smtp

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("smtp: server closed")

// EnhancedCode is an enhanced mail system status code, class.subject.detail
// (RFC 3463, section 2), such as {5, 1, 1}. The zero value means "none".
type EnhancedCode [3]int

// String returns the code as "5.1.1", or "" for the zero value.
func (c EnhancedCode) String() string {
	if c == (EnhancedCode{}) {
		return ""
	}
	return strconv.Itoa(c[0]) + "." + strconv.Itoa(c[1]) + "." + strconv.Itoa(c[2])
}

// Error is an SMTP reply that ends a command unsuccessfully: a reply code
// (RFC 5321, section 4.2), an enhanced status code (RFC 3463) and a
// human-readable text. Hooks and Delivery implementations return it to
// choose the reply; a 4xx code defers (the client retries later), a 5xx
// code rejects. Any other error becomes "451 4.3.0" on the wire and its
// text goes only to the log.
type Error struct {
	Code         int
	EnhancedCode EnhancedCode
	Message      string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.EnhancedCode == (EnhancedCode{}) {
		return fmt.Sprintf("smtp: %d %s", e.Code, e.Message)
	}
	return fmt.Sprintf("smtp: %d %s %s", e.Code, e.EnhancedCode, e.Message)
}

// Temporary reports whether the reply is a transient failure (4xx).
func (e *Error) Temporary() bool { return e.Code/100 == 4 }

// Reject returns a permanent failure (5xx) with the given codes and text.
func Reject(code int, enhanced EnhancedCode, text string) *Error {
	return &Error{Code: code, EnhancedCode: enhanced, Message: text}
}

// Defer returns a transient failure, "451 4.x.x", asking the client to
// try again later (RFC 5321, section 4.2.1).
func Defer(enhanced EnhancedCode, text string) *Error {
	return &Error{Code: 451, EnhancedCode: enhanced, Message: text}
}

// asError maps err to the reply it stands for: the *Error it wraps, or a
// generic local failure.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Code >= 400 && e.Code < 600 {
		return e
	}
	return errLocal
}

// Replies used in several places.
var (
	errLocal = &Error{451, EnhancedCode{4, 3, 0},
		"Local error in processing, try again later"}
	errBadSequence = &Error{503, EnhancedCode{5, 5, 1}, "Bad sequence of commands"}
	errSyntax      = &Error{501, EnhancedCode{5, 5, 4}, "Syntax error in parameters"}
	errUnknown     = &Error{500, EnhancedCode{5, 5, 2}, "Command not recognized"}
	errNUL         = &Error{501, EnhancedCode{5, 5, 2}, "NUL octet in command"}
	errLineTooLong = &Error{500, EnhancedCode{5, 5, 2}, "Line too long"}
	errTooManyErrs = &Error{421, EnhancedCode{4, 7, 0}, "Too many errors, closing connection"}
	// errTooManyRcpts asks the client to send the rest of the recipients
	// in a later transaction (RFC 5321, section 4.5.3.1.10); it is not a
	// client error and does not count towards MaxErrors.
	errTooManyRcpts = &Error{452, EnhancedCode{4, 5, 3}, "Too many recipients"}
	errTooManyCmds  = &Error{421, EnhancedCode{4, 7, 0}, "Too many commands, closing connection"}
	errTimeout      = &Error{421, EnhancedCode{4, 4, 2}, "Timeout, closing connection"}
	errShutdown     = &Error{421, EnhancedCode{4, 3, 2}, "Server shutting down"}
	errNeedAuth     = &Error{530, EnhancedCode{5, 7, 0}, "Authentication required"}
	errNeedTLS      = &Error{530, EnhancedCode{5, 7, 0}, "Must issue a STARTTLS command first"}
	// errConnGone ends a session whose connection already failed and
	// was answered; it is never sent.
	errConnGone = &Error{421, EnhancedCode{4, 4, 2}, "Connection lost"}
	errTooBig   = &Error{552, EnhancedCode{5, 3, 4}, "Message size exceeds fixed limit"}
)
