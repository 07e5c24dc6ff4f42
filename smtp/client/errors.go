package client

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors for failures decided before or without a remote reply. Each is
// wrapped in an *Error carrying the status a notification reports.
var (
	// ErrNullMX is returned for a domain that publishes a null MX
	// record: it accepts no mail (RFC 7505, section 3).
	ErrNullMX = errors.New("client: domain accepts no mail (null MX)")
	// ErrNoSMTPUTF8 is returned when an address needs SMTPUTF8 and the
	// remote does not offer it (RFC 6531, section 3.2).
	ErrNoSMTPUTF8 = errors.New("client: remote lacks SMTPUTF8")
	// ErrNo8BitMIME is returned when the body has 8-bit content and the
	// remote does not offer 8BITMIME (RFC 6152, section 3).
	ErrNo8BitMIME = errors.New("client: remote lacks 8BITMIME")
	// ErrTLSRequired is returned when policy (REQUIRETLS, MTA-STS
	// enforce, a relay's setting) demands TLS that the remote cannot
	// give.
	ErrTLSRequired = errors.New("client: required TLS unavailable")
	// ErrNoHosts is returned when no host of the domain could be
	// reached.
	ErrNoHosts = errors.New("client: no reachable host")
)

// Error is the outcome of a delivery for one recipient, or for a whole
// message: an SMTP reply code (RFC 5321, section 4.2), an enhanced
// status code (RFC 3463) and the reply's text lines. Host names the
// remote that answered; it is empty for local decisions.
type Error struct {
	Code   int
	Status string // enhanced status code, such as "5.1.1"
	Lines  []string
	Host   string
	// Err is the local cause, such as ErrNullMX, when there is one.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := "client: " + strconv.Itoa(e.Code) + " " + e.Status + " " + e.Text()
	if e.Host != "" {
		s = "client: " + e.Host + ": " + s[len("client: "):]
	}
	return s
}

// Unwrap returns the local cause.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the failure is transient (4xx): the queue
// retries later.
func (e *Error) Temporary() bool { return e.Code/100 == 4 }

// Text returns the reply's lines joined with spaces: a multi-line reply
// is one reply (RFC 5321, section 4.2.1) and its text must fit one
// header field.
func (e *Error) Text() string {
	parts := make([]string, 0, len(e.Lines))
	for _, l := range e.Lines {
		l = strings.Map(noControl, strings.TrimSpace(l))
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// noControl drops control characters, CR and LF among them.
func noControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// StatusCode returns the enhanced status code, or one derived from the
// reply code's class when the remote gave none.
func (e *Error) StatusCode() string {
	if e.Status != "" {
		return e.Status
	}
	if e.Code/100 == 4 {
		return "4.0.0"
	}
	return "5.0.0"
}

// localError builds an *Error for a local decision.
func localError(code int, status string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Err: cause,
		Lines: []string{fmt.Sprintf(format, args...)}}
}

// Temporary reports whether err is a transient failure. Errors other
// than *Error (network, I/O) count as transient.
func Temporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	return true
}
