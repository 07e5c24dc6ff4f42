package imap

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// state is the connection state of RFC 9051 section 3.
type state uint8

const (
	stateNotAuth state = 1 << iota
	stateAuth
	stateSelected
	stateLogout

	anyState  = stateNotAuth | stateAuth | stateSelected
	authState = stateAuth | stateSelected
)

// session holds what one connection has negotiated and selected.
type session struct {
	c   *conn
	st  state
	ctx context.Context

	account   string
	principal *directory.Principal
	store     *mailstore.Store

	// Enabled extensions (RFC 5161).
	utf8, rev2, condstore, qresync bool

	sel *selected
	// saved is the SEARCHRES result as UIDs (RFC 5182).
	saved []uint32
	// textHits holds, during a SEARCH, the index answers of its BODY and
	// TEXT keys.
	textHits map[*wire.SearchKey]map[uint32]bool

	events      <-chan mailstore.Event
	unsubscribe func()
	dirty       bool
	// shared is set while a mailbox of another account is selected.
	shared *sharedSel

	// Per-command reply state.
	tag      string
	okCode   string
	okText   string
	uidCmd   bool
	badCount int
}

func newSession(c *conn) *session {
	return &session{c: c, st: stateNotAuth, ctx: c.ctx, store: c.srv.opts.Store}
}

func (s *session) close() {
	s.leaveShared()
	if s.unsubscribe != nil {
		s.unsubscribe()
	}
	if s.account != "" {
		s.c.srv.releaseUser(s.account)
	}
}

// loop reads and runs commands until LOGOUT, an I/O error or shutdown.
func (s *session) loop() {
	c := s.c
	for s.st != stateLogout {
		c.readDeadline(s.st != stateNotAuth)
		c.dec.Begin()
		cmd, err := readCommand(s.parser())
		if err != nil {
			if !s.handleReadError(cmd, err) {
				return
			}
			continue
		}
		s.run(cmd)
		// Responses to pipelined commands leave together: the buffer is
		// flushed once no further command is waiting to be read (or when
		// it fills up), not after every command.
		if cmd.after != nil || c.dec.Buffered() == 0 {
			if c.flush() != nil {
				return
			}
		} else {
			c.armWrite()
		}
		if cmd.after != nil {
			if err := cmd.after(); err != nil {
				c.log.Warn("imap stream change failed", "err", err)
				return
			}
		}
	}
}

// handleReadError answers a command that could not be read; false ends
// the connection.
func (s *session) handleReadError(cmd *command, err error) bool {
	c := s.c
	if c.isStopping() {
		c.bye("Server shutting down")
		return false
	}
	if isTimeout(err) {
		c.bye("Autologout; idle for too long")
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isNetErr(err) {
		return false
	}
	tag := "*"
	if cmd != nil && cmd.tag != "" {
		tag = cmd.tag
	}
	s.badCount++
	code, text := "", "Syntax error"
	var se *wire.SyntaxError
	switch {
	case errors.As(err, &se):
		text = "Syntax error: " + se.Msg
	case errors.Is(err, wire.ErrLineTooLong):
		code, text = "TOOBIG", "Command line too long"
	case errors.Is(err, wire.ErrLiteralTooBig):
		code, text = "TOOBIG", "Literal too big"
	case errors.Is(err, wire.ErrTooDeep):
		code, text = "LIMIT", "Command nested too deeply"
	default:
		c.log.Warn("imap read failed", "err", err)
		return false
	}
	// A synchronizing literal over the limit was never sent: answer NO
	// [TOOBIG] as RFC 7889 (section 3) asks of APPEND, not BAD.
	status := " BAD "
	if errors.Is(err, wire.ErrLiteralTooBig) && c.dec.RefusedSyncLiteral() {
		status = " NO "
		s.badCount--
	}
	ok := c.dec.Skip()
	c.enc.Raw(tag).Raw(status)
	if code != "" {
		c.enc.Raw("[").Raw(code).Raw("] ")
	}
	c.enc.Raw(sanitize(text)).CRLF()
	if c.flush() != nil || !ok {
		return false
	}
	if s.badCount >= c.srv.opts.MaxBadCommands {
		c.bye("Too many bad commands")
		return false
	}
	return true
}

func isNetErr(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne)
}

// sanitize keeps response text on one printable line.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// run executes one parsed command and writes its tagged response.
func (s *session) run(cmd *command) {
	s.tag, s.okCode, s.okText, s.uidCmd = cmd.tag, "", "", cmd.uid
	if s.st&cmd.spec.states == 0 {
		s.badCount++
		s.tagged(errBad("", "Command not allowed in this state"), cmd)
		return
	}
	s.c.log.Debug("imap command", "cmd", cmd.name, "account", s.account)
	err := cmd.spec.run(s, cmd)
	if err == nil {
		s.badCount = 0
	}
	if s.st == stateSelected || s.st == stateAuth {
		s.update(!cmd.spec.noExpunge || cmd.uid)
		s.refreshContexts()
	}
	s.tagged(err, cmd)
}

// tagged writes the tagged completion of cmd.
func (s *session) tagged(err error, cmd *command) {
	e := s.c.enc
	if err == nil {
		e.Raw(cmd.tag).Raw(" OK ")
		if s.okCode != "" {
			e.Raw("[").Raw(s.okCode).Raw("] ")
		}
		text := s.okText
		if text == "" {
			text = cmd.name + " completed"
		}
		e.Raw(text).CRLF()
		return
	}
	var ie *Error
	if !errors.As(err, &ie) {
		ie = mapStoreError(err)
		if ie.Code == "SERVERBUG" {
			s.c.log.Error("imap command failed", "cmd", cmd.name, "account", s.account, "err", err)
		} else {
			// Refusals of what the client asked are not server errors,
			// and the client chose their text: keep it short.
			s.c.log.Debug("imap command refused", "cmd", cmd.name, "account", s.account,
				"err", truncate(err.Error(), maxLoggedError))
		}
	}
	if ie.Type == StatusBAD {
		s.badCount++
	}
	if ie.Type == StatusBYE {
		e.Raw("* BYE ").Raw(sanitize(ie.Text)).CRLF()
		s.st = stateLogout
		return
	}
	e.Raw(cmd.tag).SP().Raw(ie.Type).SP()
	if ie.Code != "" {
		e.Raw("[").Raw(ie.Code).Raw("] ")
	}
	e.Raw(sanitize(ie.Text)).CRLF()
}

// mapStoreError turns a mailstore error into a NO with a response code;
// its detail stays in the log.
func mapStoreError(err error) *Error {
	switch {
	case errors.Is(err, mailstore.ErrNotFound):
		return errNo("NONEXISTENT", "No such mailbox or message")
	case errors.Is(err, mailstore.ErrExists):
		return errNo("ALREADYEXISTS", "Mailbox already exists")
	case errors.Is(err, mailstore.ErrOverQuota):
		return errNo("OVERQUOTA", "Quota exceeded")
	case errors.Is(err, mailstore.ErrInvalidName):
		return errNo("CANNOT", "Invalid mailbox name")
	case errors.Is(err, mailstore.ErrTooManyKeywords):
		return errNo("LIMIT", "Too many keywords on one message")
	case errors.Is(err, mailstore.ErrInvalidKeyword):
		return errBad("", "Invalid keyword")
	case errors.Is(err, mailstore.ErrHasChildren):
		return errNo("INUSE", "Mailbox has children")
	case errors.Is(err, mailstore.ErrForbidden):
		return errNo("CANNOT", "Operation not allowed")
	case errors.Is(err, mailstore.ErrChangesTrimmed):
		return errNo("", "Changes no longer available")
	case errors.Is(err, context.Canceled):
		return &Error{Type: StatusBYE, Text: "Server shutting down"}
	}
	return errNo("SERVERBUG", "Internal server error")
}

// untagged starts an untagged response line.
func (s *session) untagged() *wire.Encoder { return s.c.enc.Raw("* ") }

// parser returns a parser configured for the session's current mode.
func (s *session) parser() *parser {
	return &parser{d: s.c.dec, cmds: s.c.srv.cmds, utf8: s.utf8,
		appendLimit: s.c.srv.opts.AppendLimit}
}

// maxLoggedError caps the octets of a refused command's error text in
// the log, since a client can make it as long as a command line.
const maxLoggedError = 200

// truncate cuts s to at most n octets, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
