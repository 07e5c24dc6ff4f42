package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"time"
)

// conn is one session with a remote SMTP or LMTP server.
type conn struct {
	nc      net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	host    string // the name the remote is known by (MX or relay)
	lmtp    bool
	ext     map[string]string // EHLO keywords, upper case, to parameters
	tls     bool
	timeout time.Duration
	// broken is set when the session cannot go on, as after DATA was
	// cut short: the connection is closed without QUIT.
	broken bool
}

func newConn(nc net.Conn, host string, lmtp bool, timeout time.Duration) *conn {
	_, isTLS := nc.(*tls.Conn)
	return &conn{nc: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc),
		host: host, lmtp: lmtp, tls: isTLS, timeout: timeout}
}

// deadline bounds the next exchange; ctx's deadline wins when sooner.
func (c *conn) deadline(ctx context.Context) {
	d := time.Now().Add(c.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	c.nc.SetDeadline(d)
}

// read reads a reply.
func (c *conn) read(ctx context.Context) (*Error, error) {
	c.deadline(ctx)
	return readReply(c.br, c.host)
}

// write sends one command line without flushing.
func (c *conn) write(line string) error {
	_, err := c.bw.WriteString(line + "\r\n")
	return err
}

// cmd sends a command and reads its reply.
func (c *conn) cmd(ctx context.Context, line string) (*Error, error) {
	c.deadline(ctx)
	if err := c.write(line); err != nil {
		return nil, fmt.Errorf("send command: %w", err)
	}
	if err := c.bw.Flush(); err != nil {
		return nil, fmt.Errorf("send command: %w", err)
	}
	return c.read(ctx)
}

// expect runs a command and turns any reply but the wanted class into
// an error.
func (c *conn) expect(ctx context.Context, line string, class int) error {
	r, err := c.cmd(ctx, line)
	if err != nil {
		return err
	}
	if r.Code/100 != class {
		return r
	}
	return nil
}

// greet reads the greeting and says EHLO (or LHLO for LMTP, RFC 2033
// section 4.1), falling back to HELO when EHLO is refused.
func (c *conn) greet(ctx context.Context, hostname string) error {
	r, err := c.read(ctx)
	if err != nil {
		return err
	}
	if r.Code != 220 {
		return r
	}
	return c.hello(ctx, hostname)
}

func (c *conn) hello(ctx context.Context, hostname string) error {
	verb := "EHLO"
	if c.lmtp {
		verb = "LHLO"
	}
	r, err := c.cmd(ctx, verb+" "+hostname)
	if err != nil {
		return err
	}
	if r.Code == 250 {
		c.ext = parseExtensions(r.Lines[1:])
		return nil
	}
	if c.lmtp || r.Code/100 == 4 {
		return r
	}
	c.ext = map[string]string{}
	return c.expect(ctx, "HELO "+hostname, 2)
}

// parseExtensions reads the EHLO keywords (RFC 5321, section 4.1.1.1).
func parseExtensions(lines []string) map[string]string {
	ext := make(map[string]string, len(lines))
	for _, l := range lines {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		ext[strings.ToUpper(k)] = v
	}
	return ext
}

// has reports whether the remote offers an extension.
func (c *conn) has(name string) bool {
	_, ok := c.ext[name]
	return ok
}

// startTLS upgrades the session (RFC 3207, section 4) and says EHLO
// again, as section 4.2 requires.
func (c *conn) startTLS(ctx context.Context, cfg *tls.Config, hostname string) error {
	if err := c.expect(ctx, "STARTTLS", 2); err != nil {
		return err
	}
	tc := tls.Client(c.nc, cfg)
	c.deadline(ctx)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls handshake with %s: %w", c.host, err)
	}
	c.nc, c.tls = tc, true
	c.br, c.bw = bufio.NewReader(tc), bufio.NewWriter(tc)
	return c.hello(ctx, hostname)
}

// auth authenticates with PLAIN when offered, else LOGIN (RFC 4954).
func (c *conn) auth(ctx context.Context, user, pass string) error {
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	has := func(m string) bool {
		for _, x := range mechs {
			if x == m {
				return true
			}
		}
		return false
	}
	b64 := base64.StdEncoding.EncodeToString
	switch {
	case has("PLAIN"):
		return c.expect(ctx, "AUTH PLAIN "+b64([]byte("\x00"+user+"\x00"+pass)), 2)
	case has("LOGIN"):
		if err := c.expect(ctx, "AUTH LOGIN", 3); err != nil {
			return err
		}
		if err := c.expect(ctx, b64([]byte(user)), 3); err != nil {
			return err
		}
		return c.expect(ctx, b64([]byte(pass)), 2)
	}
	return localError(530, "5.7.0", nil, "%s offers neither AUTH PLAIN nor LOGIN", c.host)
}

// quit ends the session politely and closes the connection.
func (c *conn) quit(ctx context.Context) {
	if !c.broken {
		c.cmd(ctx, "QUIT")
	}
	c.nc.Close()
}
