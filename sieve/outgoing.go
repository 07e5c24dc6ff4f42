package sieve

import (
	"strings"
)

// SendOptions tells Outgoing how to address the messages a result sends.
type SendOptions struct {
	// RedirectFrom chooses the reverse-path of redirected mail:
	// "sender" (default, the original reverse-path), "recipient",
	// "orig_recipient", "user_email", or an explicit "<address>" ("<>"
	// for the null path). A null original sender always stays null.
	RedirectFrom string
	// UserEmail is the account's own address, used for "user_email" and
	// as the From of replies when the script gives none.
	UserEmail string
	// Postmaster is the From of reject notices and the reverse-path of
	// notifications. Default "postmaster@<recipient domain>".
	Postmaster string
	// VacationFromRecipient sends vacation replies from the recipient's
	// address instead of the null reverse-path.
	VacationFromRecipient bool
	// NotifyFrom chooses the reverse-path of notifications (RFC 5436
	// section 2.5), like RedirectFrom; default the script's :from, else
	// Postmaster.
	NotifyFrom string
}

func notifyFrom(nt *Notify, env Envelope, o SendOptions) string {
	if pathString(env.From) == "" {
		return ""
	}
	if o.NotifyFrom != "" {
		return redirectFrom(env, SendOptions{RedirectFrom: o.NotifyFrom,
			UserEmail: o.UserEmail})
	}
	if nt.From != "" {
		if a, ok := normalizeRedirect(nt.From); ok {
			return a
		}
	}
	if o.Postmaster != "" {
		return o.Postmaster
	}
	return "postmaster@" + parsePath(env.To).domain
}

// Outgoing is a message the host must send for a result: redirects,
// vacation replies, notifications and reject notices.
type Outgoing struct {
	Action *Action
	// ReversePath is the envelope sender, "" for the null path.
	ReversePath string
	// Recipients are the envelope forward-paths.
	Recipients []string
	// Header is the header to send. For a redirect it is the message's
	// header (with edits) plus X-Sieve-Redirected-From, and the body is
	// the original body, which the host streams itself (Body is nil).
	Header []HeaderField
	// Body is the body of generated messages, and of redirects whose
	// body replace or enclose rewrote; nil means the original body.
	Body []byte
}

// Outgoing lists the messages a result asks the host to send. header is
// the message's current header (Result.Header or the original one).
func (r *Result) Outgoing(header []HeaderField, env Envelope, o SendOptions) []Outgoing {
	var out []Outgoing
	self := o.UserEmail
	if self == "" {
		self = pathString(env.To)
	}
	for i := range r.Actions {
		a := &r.Actions[i]
		switch a.Kind {
		case ActionRedirect:
			h := a.Header
			if h == nil {
				h = header
			}
			if redirectLoop(h, self, env) {
				continue
			}
			h = append([]HeaderField{{Name: "X-Sieve-Redirected-From",
				Value: " " + self}}, h...)
			out = append(out, Outgoing{Action: a, ReversePath: redirectFrom(env, o),
				Recipients: []string{a.Address}, Header: h, Body: a.Body})
		case ActionVacation:
			if a.Vacation.Skip != "" {
				continue
			}
			// RFC 5230 section 5.1 allows the null path or the user's own.
			from := ""
			if o.VacationFromRecipient {
				from = pathString(env.To)
			}
			out = append(out, generated(a, from, []string{a.Vacation.To},
				a.Vacation.Compose(self)))
		case ActionNotify:
			if a.Notify.Skip != "" {
				continue
			}
			to := mailtoRecipients(a.Notify.Method)
			if data := a.Notify.Compose(self); data != nil {
				out = append(out, generated(a, notifyFrom(a.Notify, env, o), to, data))
			}
		case ActionReject:
			from := pathString(env.From)
			if from == "" {
				continue
			}
			pm := o.Postmaster
			if pm == "" {
				pm = "postmaster@" + parsePath(env.To).domain
			}
			out = append(out, generated(a, "", []string{from},
				ComposeReject(a.Reason, pm, from, header)))
		}
	}
	return out
}

func generated(a *Action, from string, to []string, data []byte) Outgoing {
	h, body := splitHeader(data)
	return Outgoing{Action: a, ReversePath: from, Recipients: to, Header: h, Body: body}
}

// pathString returns the addr-spec of a path, "" for the null path.
func pathString(p string) string {
	a := parsePath(p)
	if !a.valid || a.local == "" {
		return ""
	}
	if a.domain == "" {
		return a.local
	}
	return a.local + "@" + a.domain
}

func redirectFrom(env Envelope, o SendOptions) string {
	sender := pathString(env.From)
	if sender == "" {
		return ""
	}
	mode := strings.ToLower(strings.TrimSpace(o.RedirectFrom))
	switch {
	case mode == "recipient":
		return pathString(env.To)
	case mode == "orig_recipient":
		if env.OrigTo != "" {
			return pathString(env.OrigTo)
		}
		return pathString(env.To)
	case mode == "user_email":
		if o.UserEmail != "" {
			return o.UserEmail
		}
		return pathString(env.To)
	case strings.HasPrefix(mode, "<"):
		return pathString(strings.TrimSpace(o.RedirectFrom))
	}
	return sender
}

// redirectLoop reports whether the message was already redirected by this
// user, which would make a loop: an X-Sieve-Redirected-From field names
// the user's address or the final recipient.
func redirectLoop(h []HeaderField, self string, env Envelope) bool {
	for _, v := range headerValues(h, "x-sieve-redirected-from", false) {
		for _, a := range parseAddressList(v) {
			if !a.valid {
				continue
			}
			addr := a.local + "@" + a.domain
			if strings.EqualFold(addr, self) || strings.EqualFold(addr, pathString(env.To)) {
				return true
			}
		}
	}
	return false
}
