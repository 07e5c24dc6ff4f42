package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bulwarkmail/bulwark/listener"
	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// conn is one client connection and its session state.
type conn struct {
	srv    *Server
	raw    net.Conn // the accepted connection, for deadlines and abort
	nc     net.Conn // raw, or TLS over it
	id     string
	br     *bufio.Reader
	bw     *bufio.Writer
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	sess       Session
	env        *Envelope // nil outside a transaction
	bdat       *spool    // message so far, during BDAT
	bdatHeader headerScan
	errors     int
	commands   int
	idle       atomic.Bool
	quit       bool
}

func (c *conn) opts() *Options { return &c.srv.opts }

// serve runs the session until the client quits or the connection ends.
func (c *conn) serve() {
	defer c.srv.forget(c)
	defer func() { c.nc.Close() }() // the TLS connection once there is one
	defer c.cancel()
	c.log = c.opts().Logger.With("conn", c.id)
	defer c.recoverPanic()
	defer c.resetTransaction()

	release, ok := c.setup()
	if release != nil {
		defer release()
	}
	if !ok {
		c.flush()
		return
	}
	c.loop()
	c.flush()
}

// recoverPanic turns a fault in the session into a logged error and a
// polite "421".
func (c *conn) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	c.log.Error("smtp session panic", "panic", r, "stack", string(debug.Stack()))
	if c.bw != nil {
		c.replyErr(&Error{421, EnhancedCode{4, 3, 0}, "Local error, closing connection"})
		c.flush()
	}
}

// setup reads a PROXY header, starts implicit TLS, applies connection
// limits, runs the Connect hook and sends the greeting. It reports
// whether the session goes on.
func (c *conn) setup() (release func(), ok bool) {
	o := c.opts()
	c.nc.SetDeadline(time.Now().Add(o.TLSHandshakeTimeout))
	if err := listener.Handshake(c.nc); err != nil {
		c.log.Warn("smtp proxy header refused", "err", err)
		return nil, false
	}
	c.sess = Session{ID: c.id, Mode: o.Mode,
		Remote: listener.AddrPort(c.nc.RemoteAddr()), Local: listener.AddrPort(c.nc.LocalAddr())}
	c.log = c.log.With("remote", c.sess.Remote.String())
	if o.ImplicitTLS {
		tc := tls.Server(c.nc, o.TLSConfig)
		if err := tc.HandshakeContext(c.ctx); err != nil {
			c.log.Info("smtp tls handshake failed", "err", err)
			return nil, false
		}
		c.nc = tc
		st := tc.ConnectionState()
		c.sess.TLS = &st
	}
	c.nc.SetDeadline(time.Time{})
	c.br = bufio.NewReader(c.nc)
	c.bw = bufio.NewWriter(c.nc)
	c.log.Info("smtp connection", "tls", c.sess.TLS != nil)

	release, err := c.admit()
	if err != nil {
		c.replyErr(err)
		return release, false
	}
	if o.Resolver != nil {
		c.sess.ReverseName = reverseName(c.ctx, o.Resolver, c.sess.Remote.Addr(),
			o.ReverseLookupTimeout)
	}
	if h := o.Hooks.Connect; h != nil {
		if err := h(c.ctx, &c.sess); err != nil {
			c.replyErr(c.hookError("connect", err))
			return release, false
		}
	}
	kind := "ESMTP"
	if o.Mode == ModeLMTP {
		kind = "LMTP"
	}
	c.reply(220, EnhancedCode{}, o.Hostname+" "+kind+" Bulwark ready")
	return release, true
}

// admit applies the server, per-address and rate limits on connections.
func (c *conn) admit() (func(), *Error) {
	s, addr := c.srv, c.sess.Remote.Addr()
	n := s.open.Add(1)
	releaseOpen := func() { s.open.Add(-1) }
	if max := s.opts.MaxConnections; max > 0 && n > int64(max) {
		return releaseOpen, &Error{421, EnhancedCode{4, 3, 2}, "Too many connections, try later"}
	}
	release, ok := s.connLimit.Acquire(addr)
	if !ok {
		c.log.Warn("smtp too many connections from address")
		return releaseOpen, &Error{421, EnhancedCode{4, 7, 0},
			"Too many connections from your address"}
	}
	both := func() { release(); releaseOpen() }
	key := listener.ClientKey(addr).String()
	if !s.connRate.Allow(key, s.opts.Now()) {
		c.log.Warn("smtp connection rate exceeded")
		return both, &Error{421, EnhancedCode{4, 7, 0}, "Too many connections, slow down"}
	}
	return both, nil
}

// loop reads and runs commands until QUIT, a fatal error or shutdown.
func (c *conn) loop() {
	for !c.quit {
		line, err := c.readCommand()
		if errors.Is(err, wire.ErrLineTooLong) {
			if c.fail(errLineTooLong) {
				continue
			}
			return
		}
		if err != nil {
			c.readFailed(err)
			return
		}
		c.commands++
		if c.commands > c.opts().MaxCommands {
			c.replyErr(errTooManyCmds)
			return
		}
		if !c.dispatch(line) {
			return
		}
	}
}

// readCommand flushes pending replies when the client has sent nothing
// more (RFC 2920, section 3.2) and reads one command line.
func (c *conn) readCommand() ([]byte, error) {
	if c.br.Buffered() == 0 {
		if err := c.flush(); err != nil {
			return nil, err
		}
	}
	c.nc.SetReadDeadline(time.Now().Add(c.opts().CommandTimeout))
	c.idle.Store(true)
	defer c.idle.Store(false)
	if c.srv.closing.Load() {
		return nil, errShutdown
	}
	return wire.ReadLine(c.br, maxAuthLine)
}

// readFailed answers a failed read: a timeout or shutdown gets "421"; a
// closed connection gets nothing.
func (c *conn) readFailed(err error) {
	var ne net.Error
	switch {
	case c.srv.closing.Load():
		c.replyErr(errShutdown)
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Info("smtp timeout")
		c.replyErr(errTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed):
		c.log.Debug("smtp client closed connection")
	default:
		c.log.Info("smtp read failed", "err", err)
	}
}

// dispatch runs one command line and reports whether the session goes
// on.
func (c *conn) dispatch(line []byte) bool {
	if bytes.IndexByte(line, 0) >= 0 {
		return c.fail(errNUL)
	}
	cmd, err := wire.ParseCommand(line)
	if err != nil {
		return c.fail(errUnknown)
	}
	if len(line)+2 > c.lineLimit(cmd.Verb) {
		return c.fail(errLineTooLong)
	}
	c.log.Debug("smtp command", "cmd", cmd.Verb)
	// Replies may flush on their own when the buffer fills: bound them.
	c.raw.SetWriteDeadline(time.Now().Add(c.opts().WriteTimeout))
	var rerr *Error
	switch cmd.Verb {
	case "EHLO", "HELO", "LHLO":
		rerr = c.cmdHello(cmd)
	case "STARTTLS":
		rerr = c.cmdStartTLS(cmd.Arg)
	case "AUTH":
		rerr = c.cmdAuth(cmd.Arg)
	case "MAIL":
		rerr = c.cmdMail(cmd.Arg)
	case "RCPT":
		rerr = c.cmdRcpt(cmd.Arg)
	case "DATA":
		rerr = c.cmdData(cmd.Arg)
	case "BDAT":
		rerr = c.cmdBdat(cmd.Arg)
	case "RSET":
		rerr = c.cmdRset(cmd.Arg)
	case "NOOP":
		c.reply(250, EnhancedCode{2, 0, 0}, "OK")
	case "QUIT":
		c.reply(221, EnhancedCode{2, 0, 0}, c.opts().Hostname+" closing connection")
		c.quit = true
	case "VRFY", "EXPN":
		// RFC 5321, section 3.5.3: 252 neither confirms nor denies.
		c.reply(252, EnhancedCode{2, 5, 0}, "Cannot verify, but will try delivery")
	case "HELP":
		c.reply(214, EnhancedCode{2, 0, 0}, "See RFC 5321")
	default:
		rerr = &Error{500, EnhancedCode{5, 5, 1}, "Command not recognized"}
	}
	if rerr != nil {
		return c.fail(rerr)
	}
	return !c.quit
}

// lineLimit is the longest line, CRLF included, allowed for verb.
func (c *conn) lineLimit(verb string) int {
	n := c.opts().MaxCommandLength
	switch verb {
	case "MAIL", "RCPT":
		return n + 512
	case "AUTH":
		return maxAuthLine
	}
	return n
}

// fail sends an error reply and counts it; it reports whether the
// session goes on.
func (c *conn) fail(e *Error) bool {
	if e == errConnGone {
		return false
	}
	c.replyErr(e)
	if e.Code == 421 {
		return false
	}
	if e == errTooManyRcpts {
		return true
	}
	c.errors++
	if c.errors >= c.opts().MaxErrors {
		c.log.Warn("smtp too many errors", "errors", c.errors)
		c.replyErr(errTooManyErrs)
		return false
	}
	return true
}

// hookError maps a hook's error to its reply, logging errors that are
// not replies.
func (c *conn) hookError(stage string, err error) *Error {
	e := asError(err)
	if e == errLocal {
		c.log.Error("smtp hook failed", "stage", stage, "err", err)
	}
	return e
}

func (c *conn) cmdRset(arg string) *Error {
	if arg != "" {
		return errSyntax
	}
	c.resetTransaction()
	c.reply(250, EnhancedCode{2, 0, 0}, "OK")
	return nil
}

// resetTransaction drops the envelope and any message in progress.
func (c *conn) resetTransaction() {
	c.env = nil
	if c.bdat != nil {
		c.bdat.Close()
		c.bdat = nil
	}
}

// reply writes a one-line reply.
func (c *conn) reply(code int, enh EnhancedCode, text string) {
	c.bw.WriteString(strconv.Itoa(code))
	c.bw.WriteByte(' ')
	if enh != (EnhancedCode{}) {
		c.bw.WriteString(enh.String())
		c.bw.WriteByte(' ')
	}
	c.bw.WriteString(text)
	c.bw.WriteString("\r\n")
}

// replyLines writes a multi-line reply (RFC 5321, section 4.2.1).
func (c *conn) replyLines(code int, lines []string) {
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		c.bw.WriteString(strconv.Itoa(code) + sep + l + "\r\n")
	}
}

func (c *conn) replyErr(e *Error) {
	c.reply(e.Code, e.EnhancedCode, sanitizeText(e.Message))
}

// sanitizeText keeps a reply text on one printable line.
func sanitizeText(s string) string {
	if s == "" {
		return "Error"
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// flush sends pending replies.
func (c *conn) flush() error {
	if c.bw == nil || c.bw.Buffered() == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.opts().WriteTimeout))
	return c.bw.Flush()
}

// wakeIfIdle interrupts a read for the next command so that a shutting
// down server can close the connection.
func (c *conn) wakeIfIdle() {
	if c.idle.Load() {
		c.raw.SetReadDeadline(time.Now())
	}
}

// abort closes the connection at once.
func (c *conn) abort() {
	c.raw.Close()
	c.cancel()
}

// tempDir is where spools go.
func (c *conn) tempDir() string {
	if d := c.opts().TempDir; d != "" {
		return d
	}
	return os.TempDir()
}
