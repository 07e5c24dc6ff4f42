package sieve

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem found in a script, with its position.
type Error struct {
	Pos     Pos
	Msg     string
	Warning bool
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// ErrorList is the list of errors found while compiling a script. It is
// returned by Compile as its error when the script is invalid.
type ErrorList struct {
	Errors   []*Error
	Warnings []*Error
	max      int
}

func (l *ErrorList) add(p Pos, msg string) {
	if l.max > 0 && len(l.Errors) >= l.max {
		return
	}
	l.Errors = append(l.Errors, &Error{Pos: p, Msg: msg})
}

func (l *ErrorList) warn(p Pos, msg string) {
	l.Warnings = append(l.Warnings, &Error{Pos: p, Msg: msg, Warning: true})
}

func (l *ErrorList) full() bool { return l.max > 0 && len(l.Errors) >= l.max }

func (l *ErrorList) Error() string {
	if len(l.Errors) == 0 {
		return "sieve: no errors"
	}
	var b strings.Builder
	for i, e := range l.Errors {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func (l *ErrorList) err() error {
	if len(l.Errors) == 0 {
		return nil
	}
	return l
}

// Sentinel errors of the package.
var (
	// ErrLimit is wrapped by a RuntimeError when a script crosses one of
	// the limits of Options (RFC 5228, section 10).
	ErrLimit = errors.New("sieve: limit exceeded")

	// ErrTooLarge is returned by Compile for a script larger than
	// Options.MaxScriptSize.
	ErrTooLarge = errors.New("sieve: script too large")
)

// RuntimeError is a failure while running a script, RFC 5228 section 2.10.6:
// the host must then carry out an implicit keep.
type RuntimeError struct {
	Pos Pos
	Msg string
	Err error // wrapped cause, such as ErrLimit
}

func (e *RuntimeError) Error() string {
	if e.Pos.Line == 0 {
		return "sieve: " + e.Msg
	}
	return fmt.Sprintf("sieve: line %d: %s", e.Pos.Line, e.Msg)
}

func (e *RuntimeError) Unwrap() error { return e.Err }
