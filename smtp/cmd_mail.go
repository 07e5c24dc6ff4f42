package smtp

import (
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/listener"
	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// cmdMail runs MAIL (RFC 5321, section 4.1.1.2) with the parameters of
// SIZE, BODY, SMTPUTF8, DSN, AUTH and REQUIRETLS.
func (c *conn) cmdMail(arg string) *Error {
	o := c.opts()
	switch {
	case c.sess.Hello == "":
		return &Error{503, EnhancedCode{5, 5, 1}, "Send EHLO first"}
	case c.env != nil:
		return &Error{503, EnhancedCode{5, 5, 1}, "Nested MAIL command"}
	case c.mayRelay():
	case o.Mode == ModeSubmission && c.sess.TLS == nil && !o.AllowInsecureAuth &&
		o.TLSConfig != nil:
		return errNeedTLS
	case o.Mode == ModeSubmission && c.sess.Principal == nil:
		return errNeedAuth
	}
	path, params, err := wire.ParsePathArg(arg, "FROM:")
	if err != nil {
		return &Error{501, EnhancedCode{5, 5, 4}, "Syntax: MAIL FROM:<address> [parameters]"}
	}
	env := &Envelope{Body: Body7Bit}
	if e := c.mailParams(env, params); e != nil {
		return e
	}
	if e := c.reversePath(env, path); e != nil {
		return e
	}
	if e := c.mailRate(env); e != nil {
		return e
	}
	if h := o.Hooks.Mail; h != nil {
		if err := h(c.ctx, &c.sess, env); err != nil {
			return c.hookError("mail", err)
		}
	}
	c.env = env
	c.reply(250, EnhancedCode{2, 1, 0}, "Sender OK")
	return nil
}

// mayRelay reports whether the client is in Options.RelayNetworks.
func (c *conn) mayRelay() bool {
	if c.opts().Mode == ModeLMTP {
		return false
	}
	a := c.sess.Remote.Addr().Unmap()
	for _, p := range c.opts().RelayNetworks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// reversePath checks the address of MAIL and, in submission mode, that
// the client may send as it (RFC 6409, section 6.1).
func (c *conn) reversePath(env *Envelope, path string) *Error {
	if path == "" {
		return nil // the null reverse-path, RFC 5321 section 4.5.5
	}
	mb, err := wire.ParseMailbox(path, env.SMTPUTF8)
	if err != nil {
		if !env.SMTPUTF8 && !wire.IsASCII(path) {
			return &Error{553, EnhancedCode{5, 6, 7}, "Non-ASCII address needs SMTPUTF8"}
		}
		return &Error{553, EnhancedCode{5, 1, 7}, "Bad sender address syntax"}
	}
	env.ReversePath = mb.String()
	o := c.opts()
	if o.Mode != ModeSubmission || c.sess.Principal == nil || o.Directory == nil {
		return nil
	}
	ok, err := o.Directory.OwnsAddress(c.ctx, c.sess.Principal.Name, env.ReversePath)
	if err != nil {
		c.log.Error("smtp sender check failed", "err", err)
		return errLocal
	}
	if !ok {
		c.log.Warn("smtp sender not owned", "from", env.ReversePath)
		return &Error{553, EnhancedCode{5, 7, 1}, "Sender address not owned by you"}
	}
	return nil
}

// mailParams applies the ESMTP parameters of MAIL to env.
func (c *conn) mailParams(env *Envelope, params []wire.Param) *Error {
	for _, p := range params {
		if e := c.mailParam(env, p); e != nil {
			return e
		}
	}
	if env.Size > c.opts().MaxMessageSize {
		return errTooBig
	}
	return nil
}

func (c *conn) mailParam(env *Envelope, p wire.Param) *Error {
	bad := &Error{501, EnhancedCode{5, 5, 4}, "Invalid " + p.Key + " parameter"}
	switch p.Key {
	case "SIZE": // RFC 1870, section 6
		n, err := strconv.ParseInt(p.Value, 10, 64)
		if err != nil || n < 0 {
			return bad
		}
		env.Size = n
	case "BODY": // RFC 6152 and RFC 3030
		switch b := BodyType(strings.ToUpper(p.Value)); b {
		case Body7Bit, Body8BitMIME, BodyBinaryMIME:
			env.Body = b
		default:
			return bad
		}
	case "SMTPUTF8": // RFC 6531, section 3.4
		if p.Value != "" {
			return bad
		}
		env.SMTPUTF8 = true
	case "RET": // RFC 3461, section 4.3
		v := strings.ToUpper(p.Value)
		if v != "FULL" && v != "HDRS" {
			return bad
		}
		env.Ret = v
	case "ENVID": // RFC 3461, section 4.4
		v, err := wire.DecodeXtext(p.Value)
		if err != nil || len(v) > 100 || !printableASCII(v) {
			return bad
		}
		env.EnvID = v
	case "AUTH": // RFC 4954, section 5
		v, err := wire.DecodeXtext(p.Value)
		if err != nil || !printableASCII(v) {
			return bad
		}
		if c.sess.Principal != nil && v != "<>" {
			env.AuthSender = v
		}
	case "REQUIRETLS": // RFC 8689, section 4.1
		if c.sess.TLS == nil || p.Value != "" {
			return &Error{555, EnhancedCode{5, 5, 4}, "REQUIRETLS needs TLS"}
		}
		env.RequireTLS = true
	default:
		return &Error{555, EnhancedCode{5, 5, 4}, "Unsupported parameter " + p.Key}
	}
	return nil
}

// mailRate applies the message rates per client address and per sender.
func (c *conn) mailRate(env *Envelope) *Error {
	s := c.srv
	now := s.opts.Now()
	limited := &Error{450, EnhancedCode{4, 7, 1}, "Message rate exceeded, try later"}
	if !s.msgRate.Allow(listener.ClientKey(c.sess.Remote.Addr()).String(), now) {
		c.log.Warn("smtp message rate exceeded")
		return limited
	}
	sender := "<" + strings.ToLower(env.ReversePath) + ">"
	if c.sess.Principal != nil {
		sender = c.sess.Principal.Name
	}
	if !s.senderRate.Allow(sender, now) {
		c.log.Warn("smtp sender rate exceeded", "sender", sender)
		return limited
	}
	return nil
}

// printableASCII reports whether s holds only printable ASCII, as the
// decoded xtext of ENVID and AUTH must (RFC 3461, section 4.4), so that
// no header field can be injected through them.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
