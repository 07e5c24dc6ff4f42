package smtp

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// cmdStartTLS runs STARTTLS (RFC 3207, section 4). Commands the client
// pipelined after it are dropped, never read as if sent under TLS.
func (c *conn) cmdStartTLS(arg string) *Error {
	switch {
	case arg != "":
		return errSyntax
	case c.opts().TLSConfig == nil:
		return &Error{502, EnhancedCode{5, 5, 1}, "STARTTLS not available"}
	case c.sess.TLS != nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "TLS already active"}
	}
	c.reply(220, EnhancedCode{2, 0, 0}, "Ready to start TLS")
	if err := c.flush(); err != nil {
		c.quit = true
		return nil
	}
	if n := c.br.Buffered(); n > 0 {
		c.log.Warn("smtp data pipelined after STARTTLS dropped", "bytes", n)
	}
	tc := tls.Server(c.nc, c.opts().TLSConfig)
	c.raw.SetDeadline(time.Now().Add(c.opts().TLSHandshakeTimeout))
	err := tc.HandshakeContext(c.ctx)
	c.raw.SetDeadline(time.Time{})
	if err != nil {
		c.log.Info("smtp tls handshake failed", "err", err)
		c.quit = true
		return nil
	}
	st := tc.ConnectionState()
	c.nc, c.sess.TLS = tc, &st
	c.br = bufio.NewReader(tc)
	c.bw = bufio.NewWriter(tc)
	// RFC 3207, section 4.2: forget what the client said before TLS.
	c.sess.Hello, c.sess.ESMTP, c.sess.Principal = "", false, nil
	c.resetTransaction()
	return nil
}

// cmdAuth runs AUTH (RFC 4954, section 4) with the directory's SASL
// mechanisms.
func (c *conn) cmdAuth(arg string) *Error {
	mechs := c.authMechanisms()
	switch {
	case c.opts().Mode != ModeSubmission || c.opts().Directory == nil:
		return &Error{502, EnhancedCode{5, 5, 1}, "AUTH not available"}
	case len(mechs) == 0:
		return &Error{538, EnhancedCode{5, 7, 11}, "Encryption required for authentication"}
	case !c.sess.ESMTP:
		return errBadSequence
	case c.sess.Principal != nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "Already authenticated"}
	case c.env != nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "AUTH not allowed during a transaction"}
	}
	mech, initial, hasInitial := strings.Cut(arg, " ")
	if !containsFold(mechs, mech) {
		return &Error{504, EnhancedCode{5, 5, 4}, "Unrecognized authentication type"}
	}
	var principal *directory.Principal
	srv, err := directory.NewSASLServer(c.ctx, c.opts().Directory, mech,
		c.sess.Remote.Addr(), func(p *directory.Principal) { principal = p })
	if err != nil {
		return &Error{504, EnhancedCode{5, 5, 4}, "Unrecognized authentication type"}
	}
	var resp []byte
	if hasInitial {
		if resp, err = decodeSASL(initial); err != nil {
			return &Error{501, EnhancedCode{5, 5, 2}, "Invalid base64 data"}
		}
	}
	for {
		chal, done, err := srv.Next(resp)
		if err != nil {
			return c.authFailed(err)
		}
		if done {
			break
		}
		c.reply(334, EnhancedCode{}, base64.StdEncoding.EncodeToString(chal))
		if resp, err = c.readAuthResponse(); err != nil {
			return asError(err)
		}
	}
	return c.authSucceeded(principal)
}

func (c *conn) authSucceeded(p *directory.Principal) *Error {
	if p == nil {
		return c.authFailed(directory.ErrInvalidCredentials)
	}
	if h := c.opts().Hooks.Auth; h != nil {
		if err := h(c.ctx, &c.sess, p); err != nil {
			return c.hookError("auth", err)
		}
	}
	c.sess.Principal = p
	c.log = c.log.With("account", p.Name)
	c.log.Info("smtp authenticated")
	c.reply(235, EnhancedCode{2, 7, 0}, "Authentication successful")
	return nil
}

// readAuthResponse reads one client response of a SASL exchange.
func (c *conn) readAuthResponse() ([]byte, error) {
	line, err := c.readCommand()
	if err != nil {
		if errors.Is(err, wire.ErrLineTooLong) {
			return nil, &Error{500, EnhancedCode{5, 5, 6}, "Authentication line too long"}
		}
		c.readFailed(err)
		return nil, errConnGone
	}
	if string(line) == "*" {
		return nil, &Error{501, EnhancedCode{5, 0, 0}, "Authentication cancelled"}
	}
	resp, err := decodeSASL(string(line))
	if err != nil {
		return nil, &Error{501, EnhancedCode{5, 5, 2}, "Invalid base64 data"}
	}
	return resp, nil
}

// decodeSASL decodes a base64 response; "=" is the empty response (RFC
// 4954, section 4).
func decodeSASL(s string) ([]byte, error) {
	if s == "=" {
		return []byte{}, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// authFailed maps a SASL error to its reply (RFC 4954, section 6).
func (c *conn) authFailed(err error) *Error {
	c.log.Info("smtp authentication failed", "err", err)
	switch {
	case errors.Is(err, directory.ErrRateLimited):
		return &Error{454, EnhancedCode{4, 7, 0}, "Too many failures, try later"}
	case errors.Is(err, directory.ErrMalformed):
		return &Error{501, EnhancedCode{5, 5, 2}, "Malformed authentication data"}
	case errors.Is(err, directory.ErrInvalidCredentials),
		errors.Is(err, directory.ErrNotAuthorized):
		return &Error{535, EnhancedCode{5, 7, 8}, "Authentication credentials invalid"}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{454, EnhancedCode{4, 7, 0}, "Temporary authentication failure"}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
