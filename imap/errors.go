package imap

import (
	"errors"
	"fmt"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("imap: server closed")

// Status types of a tagged or untagged status response (RFC 9051
// section 7.1).
const (
	StatusOK  = "OK"
	StatusNO  = "NO"
	StatusBAD = "BAD"
	StatusBYE = "BYE"
)

// Error is an IMAP status response carried as an error: its Type (NO,
// BAD or BYE), an optional response code (RFC 9051 section 7.1, e.g.
// "TRYCREATE", "NONEXISTENT") and the human-readable text.
type Error struct {
	Type string
	Code string
	Text string
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("imap: %s [%s] %s", e.Type, e.Code, e.Text)
	}
	return fmt.Sprintf("imap: %s %s", e.Type, e.Text)
}

func errNo(code, text string) *Error  { return &Error{Type: StatusNO, Code: code, Text: text} }
func errBad(code, text string) *Error { return &Error{Type: StatusBAD, Code: code, Text: text} }
