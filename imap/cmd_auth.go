package imap

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// capabilities lists what the server offers in the session's state
// (RFC 9051 section 7.2.2).
func (s *session) capabilities() string {
	o := s.c.srv.opts
	caps := []string{"IMAP4rev2", "IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE",
		"IDLE", "NAMESPACE", "UNSELECT", "CHILDREN", "UIDPLUS", "MOVE", "CONDSTORE",
		"QRESYNC", "ESEARCH", "SEARCHRES", "CONTEXT=SEARCH", "CONTEXT=SORT", "SORT", "SORT=DISPLAY", "ESORT",
		"THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "LIST-EXTENDED", "LIST-STATUS",
		"SPECIAL-USE", "CREATE-SPECIAL-USE", "BINARY", "QUOTA", "QUOTA=RES-STORAGE",
		"QUOTA=RES-MESSAGE", "STATUS=SIZE", "OBJECTID", "PREVIEW",
		"APPENDLIMIT=" + strconv.FormatInt(o.AppendLimit, 10), "MULTIAPPEND",
		"UTF8=ACCEPT", "ACL", "RIGHTS=texk", "CATENATE"}
	if s.c.zw == nil && !o.DisableCompress {
		caps = append(caps, "COMPRESS=DEFLATE")
	}
	if s.st == stateNotAuth {
		if o.TLSConfig != nil && !s.c.tls {
			caps = append(caps, "STARTTLS")
		}
		if s.authAllowed() {
			for _, m := range directory.SASLMechanisms(o.Directory, true) {
				caps = append(caps, "AUTH="+m)
			}
		} else {
			caps = append(caps, "LOGINDISABLED")
		}
	}
	return strings.Join(caps, " ")
}

func (s *session) authAllowed() bool {
	return s.c.tls || s.c.srv.opts.AllowInsecureAuth
}

func (s *session) cmdCapability(*command) error {
	s.untagged().Raw("CAPABILITY ").Raw(s.capabilities()).CRLF()
	return nil
}

func (s *session) cmdNoop(*command) error { return nil }

func (s *session) cmdLogout(*command) error {
	s.untagged().Raw("BYE Logging out").CRLF()
	s.st = stateLogout
	return nil
}

func (s *session) cmdStartTLS(cmd *command) error {
	if s.c.srv.opts.TLSConfig == nil || s.c.tls {
		return errNo("", "STARTTLS not available")
	}
	if s.c.dec.Buffered() > 0 {
		// Commands pipelined after STARTTLS would be read as if protected.
		return &Error{Type: StatusBYE, Text: "Data after STARTTLS"}
	}
	s.okText = "Begin TLS negotiation now"
	cmd.after = s.c.startTLS
	return nil
}

type loginArgs struct{ user, pass string }

func parseLogin(p *parser) (any, error) {
	var a loginArgs
	var err error
	if err = p.d.SP(); err == nil {
		if a.user, err = p.d.AString(); err == nil {
			if err = p.d.SP(); err == nil {
				a.pass, err = p.d.AString()
			}
		}
	}
	return a, err
}

func (s *session) cmdLogin(cmd *command) error {
	if !s.authAllowed() {
		return errNo("PRIVACYREQUIRED", "LOGIN needs TLS")
	}
	a := cmd.args.(loginArgs)
	pr, err := s.c.srv.opts.Directory.Authenticate(s.ctx, directory.Credentials{
		Username: a.user, Password: a.pass, Remote: s.c.remote})
	if err != nil {
		return s.authFailed(a.user, err)
	}
	return s.loggedIn(pr)
}

func (s *session) authFailed(user string, err error) error {
	s.c.log.Info("imap authentication failed", "user", user, "err", err)
	switch {
	case errors.Is(err, directory.ErrRateLimited):
		return errNo("UNAVAILABLE", "Too many failed attempts; try later")
	case errors.Is(err, directory.ErrNotAuthorized):
		return errNo("AUTHORIZATIONFAILED", "Not authorized")
	case errors.Is(err, directory.ErrInvalidCredentials),
		errors.Is(err, directory.ErrMalformed):
		return errNo("AUTHENTICATIONFAILED", "Invalid credentials")
	}
	return errNo("UNAVAILABLE", "Authentication unavailable")
}

// loggedIn moves the session to the authenticated state.
func (s *session) loggedIn(pr *directory.Principal) error {
	if !s.c.srv.acquireUser(pr.Name) {
		s.c.log.Warn("too many sessions for account", "account", pr.Name)
		return errNo("LIMIT", "Too many sessions for this account")
	}
	s.principal, s.account = pr, pr.Name
	s.events, s.unsubscribe = s.store.Subscribe(s.account)
	s.st = stateAuth
	s.c.log.Info("imap login", "account", s.account)
	s.okCode = "CAPABILITY " + s.capabilities()
	s.okText = "Logged in"
	return nil
}

type authArgs struct {
	mech    string
	initial *string
}

func parseAuthenticate(p *parser) (any, error) {
	var a authArgs
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	mech, err := p.d.Atom()
	if err != nil {
		return nil, err
	}
	a.mech = strings.ToUpper(mech)
	if p.d.Accept(' ') {
		ir, err := p.d.Token()
		if err != nil {
			return nil, err
		}
		a.initial = &ir
	}
	return a, nil
}

func (s *session) cmdAuthenticate(cmd *command) error {
	if !s.authAllowed() {
		return errNo("PRIVACYREQUIRED", "Authentication needs TLS")
	}
	a := cmd.args.(authArgs)
	var pr *directory.Principal
	srv, err := directory.NewSASLServer(s.ctx, s.c.srv.opts.Directory, a.mech, s.c.remote,
		func(p *directory.Principal) { pr = p })
	if err != nil {
		return errNo("", "Unsupported authentication mechanism")
	}
	var resp []byte
	if a.initial != nil && *a.initial != "=" {
		if resp, err = base64.StdEncoding.DecodeString(*a.initial); err != nil {
			return errBad("", "Invalid base64 in initial response")
		}
	}
	first := a.initial == nil
	for {
		var challenge []byte
		var done bool
		if first {
			first = false
		} else {
			challenge, done, err = srv.Next(resp)
			if err != nil {
				return s.authFailed("", err)
			}
			if done {
				break
			}
		}
		s.c.enc.Raw("+ ").Raw(base64.StdEncoding.EncodeToString(challenge)).CRLF()
		if err := s.c.flush(); err != nil {
			return err
		}
		line, err := s.c.dec.ReadLine()
		if err != nil {
			return &Error{Type: StatusBYE, Text: "Authentication aborted"}
		}
		if line == "*" {
			return errBad("", "Authentication cancelled")
		}
		if resp, err = base64.StdEncoding.DecodeString(line); err != nil {
			return errBad("", "Invalid base64 in response")
		}
	}
	if pr == nil {
		return errNo("AUTHENTICATIONFAILED", "Invalid credentials")
	}
	return s.loggedIn(pr)
}

func (s *session) cmdEnable(cmd *command) error {
	var on []string
	for _, a := range cmd.args.([]string) {
		switch strings.ToUpper(a) {
		case "CONDSTORE":
			if !s.condstore {
				s.condstore = true
				on = append(on, "CONDSTORE")
			}
		case "QRESYNC":
			if !s.qresync {
				s.qresync, s.condstore = true, true
				on = append(on, "QRESYNC")
			}
		case "UTF8=ACCEPT":
			if !s.utf8 {
				s.utf8 = true
				on = append(on, "UTF8=ACCEPT")
			}
		case "IMAP4REV2":
			if !s.rev2 {
				s.rev2, s.utf8 = true, true
				on = append(on, "IMAP4rev2")
			}
		}
	}
	s.c.enc.UTF8 = s.utf8
	e := s.untagged().Raw("ENABLED")
	for _, a := range on {
		e.SP().Raw(a)
	}
	e.CRLF()
	return nil
}

func parseID(p *parser) (any, error) {
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	if b, _ := p.d.Peek(); b != '(' {
		_, ok, err := p.d.NString()
		if err == nil && ok {
			err = &wire.SyntaxError{Msg: "ID expects a list or NIL"}
		}
		return nil, err
	}
	var fields []string
	err := p.d.List(0, func() error {
		v, ok, err := p.d.NString()
		if !ok {
			v = ""
		}
		fields = append(fields, v)
		return err
	})
	return fields, err
}

func (s *session) cmdID(cmd *command) error {
	if f, _ := cmd.args.([]string); len(f) > 0 {
		s.c.log.Debug("imap client id", "id", strings.Join(f, " "))
	}
	s.untagged().Raw(`ID ("name" "Bulwark" "vendor" "Bulwark")`).CRLF()
	return nil
}

func (s *session) cmdCompress(cmd *command) error {
	if s.c.srv.opts.DisableCompress || !strings.EqualFold(cmd.args.(string), "DEFLATE") {
		return errBad("", "Unknown compression mechanism")
	}
	if s.c.zw != nil {
		return errNo("COMPRESSIONACTIVE", "Compression already active")
	}
	s.okText = "DEFLATE active"
	cmd.after = s.c.startCompress
	return nil
}

// cmdNamespace answers NAMESPACE (RFC 2342 section 5): the personal
// namespace, and the other users' one that holds shared mailboxes.
func (s *session) cmdNamespace(*command) error {
	s.untagged().Raw(`NAMESPACE (("" "/")) (("`).Raw(otherUsersPrefix).Raw(`" "/")) NIL`).CRLF()
	return nil
}
