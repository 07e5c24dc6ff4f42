package managesieve

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/sieve"
)

// Error is a command failure with its wire result: NO or BYE, an optional
// response code (RFC 5804 section 1.3) and human-readable text.
type Error struct {
	Kind string // "NO" or "BYE"
	Code string // such as "QUOTA/MAXSIZE", "NONEXISTENT", "ACTIVE"
	Text string
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (%s) %s", e.Kind, e.Code, e.Text)
	}
	return e.Kind + " " + e.Text
}

func no(code, text string) *Error { return &Error{Kind: "NO", Code: code, Text: text} }

type conn struct {
	srv      *Server
	nc       net.Conn
	id       uint64
	r        *reader
	w        *bufio.Writer
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	tls      bool
	user     string
	failures int
	mu       sync.Mutex
	busy     bool
	closing  bool
}

func (c *conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing = true
	if !c.busy {
		c.nc.SetDeadline(time.Now())
	}
}

func (c *conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("managesieve panic", "panic", r, "stack", string(debug.Stack()))
			c.reply("BYE", "", "Internal error")
		}
		c.cancel()
		c.nc.Close()
	}()
	c.log.Info("managesieve connection")
	c.capabilities()
	c.reply("OK", "", "Bulwark ManageSieve ready")
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.srv.idle()))
		args, err := c.r.command()
		c.mu.Lock()
		closing := c.closing
		c.busy = true
		c.mu.Unlock()
		if closing {
			c.reply("BYE", "", "Server shutting down")
			return
		}
		if err != nil {
			if !c.readError(err) {
				return
			}
			c.setIdle()
			continue
		}
		c.nc.SetReadDeadline(time.Time{})
		if !c.dispatch(args) {
			return
		}
		c.setIdle()
	}
}

func (c *conn) setIdle() {
	c.mu.Lock()
	c.busy = false
	closing := c.closing
	c.mu.Unlock()
	if closing {
		c.nc.SetDeadline(time.Now())
	}
}

// readError answers a read failure; it returns false to close.
func (c *conn) readError(err error) bool {
	switch {
	case errors.Is(err, ErrLineTooLong):
		c.reply("BYE", "", "Line too long")
		return false
	case errors.Is(err, ErrLiteralTooLarge):
		c.reply("NO", "QUOTA/MAXSIZE", "Literal too large")
		return true
	case errors.Is(err, errSyntax):
		c.reply("NO", "", "Syntax error")
		return true
	case errors.Is(err, io.EOF):
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.reply("BYE", "", "Idle timeout")
	}
	return false
}

func (c *conn) reply(kind, code, text string) {
	if code != "" {
		fmt.Fprintf(c.w, "%s (%s) %s\r\n", kind, code, quote(text))
	} else {
		fmt.Fprintf(c.w, "%s %s\r\n", kind, quote(text))
	}
	c.w.Flush()
}

func (c *conn) fail(err error) {
	var e *Error
	if errors.As(err, &e) {
		c.reply(e.Kind, e.Code, e.Text)
		return
	}
	c.log.Error("managesieve command failed", "err", err)
	c.reply("NO", "TRYLATER", "Internal error")
}

func (c *conn) mechanisms() []string {
	if !c.tls && !c.srv.opts.AllowInsecureAuth {
		return nil
	}
	return directory.SASLMechanisms(c.srv.opts.Directory, true)
}

// capabilities writes the capability lines, RFC 5804 section 1.7.
func (c *conn) capabilities() {
	o := c.srv.opts
	impl := o.Implementation
	if impl == "" {
		impl = "Bulwark"
	}
	line := func(k, v string) { fmt.Fprintf(c.w, "%s %s\r\n", quote(k), quote(v)) }
	line("IMPLEMENTATION", impl)
	line("SASL", strings.Join(c.mechanisms(), " "))
	line("SIEVE", strings.Join(o.Storage.Options().Capabilities(), " "))
	if o.TLSConfig != nil && !c.tls {
		fmt.Fprintf(c.w, "\"STARTTLS\"\r\n")
	}
	line("NOTIFY", "mailto")
	// RFC 5804 section 2.14.1.
	fmt.Fprintf(c.w, "\"UNAUTHENTICATE\"\r\n")
	line("MAXREDIRECTS", fmt.Sprint(o.Storage.Options().MaxRedirectsLimit()))
	if c.user != "" {
		line("OWNER", c.user)
	}
	line("VERSION", "1.0")
}

// dispatch runs one command; it returns false to close the connection.
func (c *conn) dispatch(args []arg) bool {
	if len(args) == 0 {
		c.reply("NO", "", "Empty command")
		return true
	}
	if args[0].kind != argAtom {
		c.reply("NO", "", "Command expected")
		return true
	}
	cmd := strings.ToUpper(args[0].s)
	params := args[1:]
	c.log.Debug("managesieve command", "cmd", cmd)
	switch cmd {
	case "LOGOUT":
		c.reply("OK", "", "Logout completed")
		return false
	case "CAPABILITY":
		c.capabilities()
		c.reply("OK", "", "Capability completed")
		return true
	case "NOOP":
		c.noop(params)
		return true
	case "STARTTLS":
		return c.startTLS()
	case "AUTHENTICATE":
		return c.authenticate(params)
	}
	if c.user == "" {
		c.reply("NO", "", "Authenticate first")
		return true
	}
	if err := c.authed(cmd, params); err != nil {
		c.fail(err)
	}
	return true
}

func (c *conn) noop(params []arg) {
	if len(params) > 0 {
		c.reply("OK", "TAG "+quote(params[0].s), "Done")
		return
	}
	c.reply("OK", "", "Done")
}

func (c *conn) startTLS() bool {
	if c.srv.opts.TLSConfig == nil || c.tls {
		c.reply("NO", "", "STARTTLS not available")
		return true
	}
	c.reply("OK", "", "Begin TLS negotiation")
	tc := tls.Server(c.nc, c.srv.opts.TLSConfig)
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.Warn("managesieve TLS handshake failed", "err", err)
		return false
	}
	tc.SetDeadline(time.Time{})
	c.setIO(tc)
	c.tls = true
	// RFC 5804 section 2.2: capabilities are sent again after TLS.
	c.capabilities()
	c.reply("OK", "", "TLS active")
	return true
}

func (c *conn) remote() netip.Addr {
	if ta, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		a, _ := netip.AddrFromSlice(ta.IP)
		return a.Unmap()
	}
	return netip.Addr{}
}

// authenticate runs a SASL exchange, RFC 5804 section 2.1.
func (c *conn) authenticate(params []arg) bool {
	if c.user != "" {
		c.reply("NO", "", "Already authenticated")
		return true
	}
	if len(params) < 1 || len(params) > 2 {
		c.reply("NO", "", "Syntax: AUTHENTICATE mechanism [initial-response]")
		return true
	}
	if c.mechanisms() == nil {
		c.reply("NO", "ENCRYPT-NEEDED", "Use STARTTLS first")
		return true
	}
	var who string
	srv, err := directory.NewSASLServer(c.ctx, c.srv.opts.Directory, params[0].s,
		c.remote(), func(p *directory.Principal) { who = p.Name })
	if err != nil {
		c.reply("NO", "", "Unsupported mechanism")
		return true
	}
	var resp []byte
	if len(params) == 2 {
		if resp, err = base64.StdEncoding.DecodeString(params[1].s); err != nil {
			c.reply("NO", "", "Invalid base64")
			return true
		}
	}
	for {
		challenge, done, err := srv.Next(resp)
		if err != nil {
			return c.authFailed(err)
		}
		if done {
			break
		}
		fmt.Fprintf(c.w, "%s\r\n", quote(base64.StdEncoding.EncodeToString(challenge)))
		c.w.Flush()
		args, err := c.r.command()
		if err != nil || len(args) != 1 {
			c.reply("NO", "", "Authentication failed")
			return err == nil
		}
		if args[0].s == "*" {
			c.reply("NO", "", "Authentication cancelled")
			return true
		}
		if resp, err = base64.StdEncoding.DecodeString(args[0].s); err != nil {
			c.reply("NO", "", "Invalid base64")
			return true
		}
	}
	c.user = who
	c.log.Info("managesieve login", "account", who)
	c.reply("OK", "", "Logged in")
	return true
}

func (c *conn) authFailed(err error) bool {
	c.failures++
	c.log.Info("managesieve login failed", "err", err)
	if errors.Is(err, directory.ErrRateLimited) {
		c.reply("NO", "TRYLATER", "Too many attempts")
	} else {
		c.reply("NO", "", "Authentication failed")
	}
	if c.failures >= orInt(c.srv.opts.MaxAuthFailures, 3) {
		c.reply("BYE", "", "Too many failures")
		return false
	}
	return true
}

func (c *conn) authed(cmd string, p []arg) error {
	st := c.srv.opts.Storage
	ctx := c.ctx
	want := func(n int) error {
		if len(p) != n {
			return no("", fmt.Sprintf("%s expects %d arguments", cmd, n))
		}
		for _, a := range p {
			if a.kind != argString && !(cmd == "HAVESPACE" && a == p[1]) {
				return no("", "Strings expected")
			}
		}
		return nil
	}
	switch cmd {
	case "UNAUTHENTICATE":
		c.user = ""
		c.reply("OK", "", "Unauthenticated")
		return nil
	case "LISTSCRIPTS":
		return c.listScripts(ctx)
	case "HAVESPACE":
		if err := want(2); err != nil {
			return err
		}
		return c.haveSpace(ctx, p[0].s, p[1].s)
	case "PUTSCRIPT":
		if err := want(2); err != nil {
			return err
		}
		warnings, err := st.Put(ctx, c.user, p[0].s, p[1].s)
		return c.scriptReply(err, warnings)
	case "CHECKSCRIPT":
		if err := want(1); err != nil {
			return err
		}
		warnings, err := st.Check(p[0].s)
		return c.scriptReply(err, warnings)
	case "GETSCRIPT":
		if err := want(1); err != nil {
			return err
		}
		src, err := st.Get(ctx, c.user, p[0].s)
		if err != nil {
			return mapErr(err)
		}
		fmt.Fprintf(c.w, "{%d}\r\n%s\r\n", len(src), src)
		c.reply("OK", "", "Getscript completed")
		return nil
	case "SETACTIVE":
		if err := want(1); err != nil {
			return err
		}
		return c.done(st.Activate(ctx, c.user, p[0].s), "Setactive completed")
	case "DELETESCRIPT":
		if err := want(1); err != nil {
			return err
		}
		return c.done(st.Delete(ctx, c.user, p[0].s), "Deletescript completed")
	case "RENAMESCRIPT":
		if err := want(2); err != nil {
			return err
		}
		return c.done(st.Rename(ctx, c.user, p[0].s, p[1].s), "Renamescript completed")
	}
	return no("", "Unknown command")
}

func (c *conn) done(err error, text string) error {
	if err != nil {
		return mapErr(err)
	}
	c.reply("OK", "", text)
	return nil
}

func (c *conn) listScripts(ctx context.Context) error {
	list, err := c.srv.opts.Storage.List(ctx, c.user)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Active {
			fmt.Fprintf(c.w, "%s ACTIVE\r\n", quote(s.Name))
		} else {
			fmt.Fprintf(c.w, "%s\r\n", quote(s.Name))
		}
	}
	c.reply("OK", "", "Listscripts completed")
	return nil
}

func (c *conn) haveSpace(ctx context.Context, name, size string) error {
	var n int
	if _, err := fmt.Sscan(size, &n); err != nil || n < 0 {
		return no("", "Invalid size")
	}
	return c.done(c.srv.opts.Storage.HaveSpace(ctx, c.user, name, n), "Putscript would succeed")
}

// scriptReply answers PUTSCRIPT and CHECKSCRIPT, RFC 5804 sections 2.6
// and 2.12: compile errors go back as NO with their line numbers.
func (c *conn) scriptReply(err error, warnings []*sieve.Error) error {
	var el *sieve.ErrorList
	if errors.As(err, &el) {
		return no("", el.Error())
	}
	if err != nil {
		return mapErr(err)
	}
	if len(warnings) > 0 {
		var lines []string
		for _, w := range warnings {
			lines = append(lines, w.Error())
		}
		c.reply("OK", "WARNINGS", strings.Join(lines, "\r\n"))
		return nil
	}
	c.reply("OK", "", "Script is valid")
	return nil
}

// mapErr turns storage errors into wire results.
func mapErr(err error) error {
	switch {
	case errors.Is(err, sieve.ErrNoScript):
		return no("NONEXISTENT", "No such script")
	case errors.Is(err, sieve.ErrScriptExists):
		return no("ALREADYEXISTS", "A script with that name exists")
	case errors.Is(err, sieve.ErrActiveScript):
		return no("ACTIVE", "Script is active")
	case errors.Is(err, sieve.ErrBadName):
		return no("", "Invalid script name")
	case errors.Is(err, sieve.ErrQuota) || errors.Is(err, sieve.ErrTooLarge):
		if strings.Contains(err.Error(), "too many") {
			return no("QUOTA/MAXSCRIPTS", "Too many scripts")
		}
		return no("QUOTA/MAXSIZE", "Script too large")
	}
	return err
}
