package smtp

import (
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// cmdHello runs EHLO and HELO (RFC 5321, section 4.1.1.1) and LHLO (RFC
// 2033, section 4.1). Each resets the transaction.
func (c *conn) cmdHello(cmd wire.Command) *Error {
	lmtp := c.opts().Mode == ModeLMTP
	if lmtp != (cmd.Verb == "LHLO") {
		return &Error{500, EnhancedCode{5, 5, 1}, "Command not recognized"}
	}
	name := cmd.Arg
	if !validHelloName(name) {
		return &Error{501, EnhancedCode{5, 5, 4}, "Syntax: " + cmd.Verb + " hostname"}
	}
	if h := c.opts().Hooks.Hello; h != nil {
		if err := h(c.ctx, &c.sess, name); err != nil {
			return c.hookError("hello", err)
		}
	}
	c.resetTransaction()
	c.sess.Hello = name
	c.sess.ESMTP = cmd.Verb != "HELO"
	if !c.sess.ESMTP {
		c.reply(250, EnhancedCode{}, c.opts().Hostname)
		return nil
	}
	c.replyLines(250, c.extensions())
	return nil
}

// validHelloName accepts a domain or address literal, leniently: one
// printable word. It is only ever recorded, never trusted.
func validHelloName(name string) bool {
	if name == "" || len(name) > 255 || strings.ContainsAny(name, " \t()<>\"\\") {
		return false
	}
	for _, r := range name {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// extensions lists the EHLO reply: the greeting line, then one line per
// service extension offered on this connection.
func (c *conn) extensions() []string {
	o := c.opts()
	ext := []string{
		o.Hostname + " greets " + c.sess.Hello,
		"PIPELINING", // RFC 2920
		"8BITMIME",   // RFC 6152
		"SMTPUTF8",   // RFC 6531
		"SIZE " + strconv.FormatInt(o.MaxMessageSize, 10), // RFC 1870
		"CHUNKING",            // RFC 3030
		"BINARYMIME",          // RFC 3030
		"DSN",                 // RFC 3461
		"ENHANCEDSTATUSCODES", // RFC 2034
	}
	tlsOn := c.sess.TLS != nil
	if o.TLSConfig != nil && !tlsOn {
		ext = append(ext, "STARTTLS") // RFC 3207
	}
	if tlsOn {
		ext = append(ext, "REQUIRETLS") // RFC 8689
	}
	if mechs := c.authMechanisms(); len(mechs) > 0 && c.sess.Principal == nil {
		ext = append(ext, "AUTH "+strings.Join(mechs, " ")) // RFC 4954
	}
	return ext
}

// authMechanisms lists the SASL mechanisms offered now: none outside
// submission, and none without TLS unless AllowInsecureAuth.
func (c *conn) authMechanisms() []string {
	o := c.opts()
	if o.Mode != ModeSubmission || o.Directory == nil {
		return nil
	}
	tlsOn := c.sess.TLS != nil
	if !tlsOn && !o.AllowInsecureAuth {
		return nil
	}
	return directory.SASLMechanisms(o.Directory, tlsOn || o.AllowInsecureAuth)
}
