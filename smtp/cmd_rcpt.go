package smtp

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/smtp/internal/wire"
)

// cmdRcpt runs RCPT (RFC 5321, section 4.1.1.3) with the DSN parameters
// NOTIFY and ORCPT, resolves the recipient and applies the relay policy.
func (c *conn) cmdRcpt(arg string) *Error {
	if c.env == nil || c.bdat != nil {
		return &Error{503, EnhancedCode{5, 5, 1}, "Send MAIL first"}
	}
	if len(c.env.Recipients) >= c.opts().MaxRecipients {
		// RFC 5321, section 4.5.3.1.10.
		return errTooManyRcpts
	}
	path, params, err := wire.ParsePathArg(arg, "TO:")
	if err != nil {
		return &Error{501, EnhancedCode{5, 5, 4}, "Syntax: RCPT TO:<address> [parameters]"}
	}
	rcpt := &Recipient{}
	for _, p := range params {
		if e := rcptParam(rcpt, p); e != nil {
			return e
		}
	}
	if e := c.forwardPath(rcpt, path); e != nil {
		return e
	}
	if e := c.resolve(rcpt, strings.EqualFold(path, "postmaster")); e != nil {
		return e
	}
	if h := c.opts().Hooks.Rcpt; h != nil {
		if err := h(c.ctx, &c.sess, c.env, rcpt); err != nil {
			return c.hookError("rcpt", err)
		}
	}
	c.env.Recipients = append(c.env.Recipients, rcpt)
	c.reply(250, EnhancedCode{2, 1, 5}, "Recipient OK")
	return nil
}

// forwardPath checks the address of RCPT. "<Postmaster>" without a
// domain is accepted as RFC 5321, section 4.5.1 requires.
func (c *conn) forwardPath(rcpt *Recipient, path string) *Error {
	if strings.EqualFold(path, "postmaster") {
		path = "postmaster@" + c.opts().Hostname
	}
	mb, err := wire.ParseMailbox(path, c.env.SMTPUTF8)
	if err != nil {
		if !c.env.SMTPUTF8 && !wire.IsASCII(path) {
			return &Error{553, EnhancedCode{5, 6, 7}, "Non-ASCII address needs SMTPUTF8"}
		}
		return &Error{501, EnhancedCode{5, 1, 3}, "Bad recipient address syntax"}
	}
	rcpt.Address = mb.String()
	return nil
}

// rcptParam applies one parameter of RCPT.
func rcptParam(rcpt *Recipient, p wire.Param) *Error {
	bad := &Error{501, EnhancedCode{5, 5, 4}, "Invalid " + p.Key + " parameter"}
	switch p.Key {
	case "NOTIFY": // RFC 3461, section 4.1
		list := strings.Split(strings.ToUpper(p.Value), ",")
		for _, v := range list {
			switch v {
			case "NEVER":
				if len(list) != 1 {
					return bad
				}
			case "SUCCESS", "FAILURE", "DELAY":
			default:
				return bad
			}
		}
		rcpt.Notify = list
	case "ORCPT": // RFC 3461, section 4.2
		typ, addr, ok := strings.Cut(p.Value, ";")
		if !ok || typ == "" {
			return bad
		}
		v, err := wire.DecodeXtext(addr)
		if err != nil || !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return bad
		}
		rcpt.ORcpt = typ + ";" + v
	default:
		return &Error{555, EnhancedCode{5, 5, 4}, "Unsupported parameter " + p.Key}
	}
	return nil
}

// resolve asks the directory where rcpt delivers and applies the relay
// policy: inbound and LMTP servers take local recipients only (RFC 5321,
// section 3.6.2: no open relay); submission sends the rest to the Relay.
// bare is set for "<Postmaster>" without a domain.
func (c *conn) resolve(rcpt *Recipient, bare bool) *Error {
	o := c.opts()
	if o.Directory != nil {
		res, err := o.Directory.Resolve(c.ctx, rcpt.Address)
		switch {
		case errors.Is(err, directory.ErrMalformed):
			return &Error{501, EnhancedCode{5, 1, 3}, "Bad recipient address syntax"}
		case errors.Is(err, directory.ErrExpansionLimit):
			return &Error{550, EnhancedCode{5, 2, 4}, "Mailing list expansion problem"}
		case err != nil:
			c.log.Error("smtp resolve failed", "err", err)
			return &Error{451, EnhancedCode{4, 3, 0}, "Recipient lookup failed, try later"}
		}
		rcpt.Local, rcpt.Accounts, rcpt.Tag, rcpt.External =
			res.Local, res.Accounts, res.Tag, res.External
	}
	c.postmaster(rcpt, bare)
	switch {
	case rcpt.Local && len(rcpt.Accounts) == 0 && len(rcpt.External) == 0:
		return &Error{550, EnhancedCode{5, 1, 1}, "No such user here"}
	case rcpt.Local && len(rcpt.External) > 0 && o.Relay == nil && len(rcpt.Accounts) == 0:
		return errNoRelay
	case rcpt.Local:
		return nil
	case o.Mode != ModeSubmission && !c.mayRelay():
		return &Error{550, EnhancedCode{5, 7, 1}, "Relaying denied"}
	case o.Relay == nil:
		return errNoRelay
	}
	return nil
}

// postmaster sends rcpt to Options.Postmaster when it is the bare
// "<Postmaster>", or postmaster at a local domain (local part in any
// case) that the directory does not know: RFC 5321, section 4.5.1 has
// every SMTP server accept both.
func (c *conn) postmaster(rcpt *Recipient, bare bool) {
	acct := c.opts().Postmaster
	if acct == "" || len(rcpt.Accounts) > 0 || len(rcpt.External) > 0 {
		return
	}
	i := strings.LastIndexByte(rcpt.Address, '@')
	if bare || (rcpt.Local && i > 0 && strings.EqualFold(rcpt.Address[:i], "postmaster")) {
		rcpt.Local, rcpt.Accounts, rcpt.Tag = true, []string{acct}, ""
	}
}

// errNoRelay answers recipients that need the outbound queue when none is
// configured.
var errNoRelay = &Error{451, EnhancedCode{4, 3, 5},
	"Outbound relay not configured on this server, try later"}
