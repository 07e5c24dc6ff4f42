package sieve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"strings"
	"time"
)

func fccTags(t map[string]tagDef) map[string]tagDef {
	t["fcc"] = tagDef{val: valString, ext: "fcc"}
	t["create"] = tagDef{ext: "fcc"}
	t["flags"] = tagDef{val: valStrings, ext: "fcc"}
	t["specialuse"] = tagDef{val: valString, ext: "fcc"}
	return t
}

func vacationSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "vacation", ext: "vacation", subtests: -1, args: []valKind{valString},
			tags: fccTags(map[string]tagDef{
				"days":    {val: valNumber, group: "period"},
				"seconds": {val: valNumber, group: "period", ext: "vacation-seconds"},
				"subject": {val: valString}, "from": {val: valString},
				"addresses": {val: valStrings}, "mime": {}, "handle": {val: valString}}),
			check: checkVacation, exec: execVacation},
		{name: "notify", ext: "enotify", subtests: -1, args: []valKind{valString},
			tags: fccTags(map[string]tagDef{
				"from": {val: valString}, "importance": {val: valString},
				"options": {val: valStrings}, "message": {val: valString}}),
			check: checkNotify, exec: execNotify},
		{name: "valid_notify_method", ext: "enotify", test: true, subtests: -1,
			args: []valKind{valStrings}, eval: evalValidNotifyMethod},
		{name: "notify_method_capability", ext: "enotify", test: true, subtests: -1,
			fams: famMatch, args: []valKind{valString, valString, valStrings},
			check: func(c *compiler, n *node) { checkMatch(c, n, 2) },
			eval:  evalNotifyCapability},
	}
}

func checkVacation(c *compiler, n *node) {
	if v := n.tag("from"); v != nil {
		if s, ok := constString(v.strs[0]); ok {
			if l := parseAddressList(s); len(l) != 1 || !l[0].valid {
				c.errorf(v.pos, "specified :from address '%s' is invalid for vacation "+
					"action", s)
			}
		}
	}
	if v := n.tag("addresses"); v != nil {
		for _, t := range v.strs {
			if s, ok := constString(t); ok {
				if l := parseAddressList(s); len(l) != 1 || !l[0].valid {
					c.errorf(v.pos, "specified :addresses item '%s' is invalid for "+
						"vacation action", s)
				}
			}
		}
	}
	checkFcc(c, n)
}

func checkFcc(c *compiler, n *node) {
	for _, t := range []string{"create", "flags", "specialuse"} {
		if n.has(t) && !n.has("fcc") {
			c.errorf(n.pos, "the :%s tag of the %s command requires :fcc", t, n.spec.name)
		}
	}
}

func (rt *runtime) fcc(n *node) *Fcc {
	if !n.has("fcc") {
		return nil
	}
	return &Fcc{Mailbox: rt.str1(n.tag("fcc")), Create: n.has("create"),
		Flags: normFlags(rt.strs(n.tag("flags"))), SpecialUse: rt.str1(n.tag("specialuse"))}
}

// vacationPeriod applies :days or :seconds within the configured bounds,
// RFC 5230 section 4.1 and RFC 6131 section 2.
func (rt *runtime) vacationPeriod(n *node) time.Duration {
	o := rt.opts
	d := orDur(o.VacationDefaultPeriod, 7*24*time.Hour)
	if v := n.tag("days"); v != nil {
		d = time.Duration(v.num) * 24 * time.Hour
	} else if v := n.tag("seconds"); v != nil {
		d = time.Duration(v.num) * time.Second
	}
	min := orDur(o.VacationMinPeriod, 24*time.Hour)
	if n.has("seconds") && o.VacationMinPeriod == 0 {
		min = 0
	}
	max := orDur(o.VacationMaxPeriod, 90*24*time.Hour)
	if d < min && d != 0 {
		d = min
	}
	if d > max {
		d = max
	}
	return d
}

// vacationSkip tells why no reply may be sent, RFC 5230 section 4.5 and
// RFC 3834 section 2; "" means a reply is allowed.
func (rt *runtime) vacationSkip(n *node, own []string) string {
	from := parsePath(rt.env.Envelope.From)
	if from.local == "" && from.domain == "" {
		return "null envelope sender"
	}
	lp := strings.ToLower(from.local)
	if lp == "mailer-daemon" || strings.HasPrefix(lp, "owner-") ||
		strings.HasSuffix(lp, "-request") || lp == "listserv" || lp == "majordomo" {
		return "sender is a list or system address"
	}
	for _, v := range headerValues(rt.hdr, "auto-submitted", false) {
		if !strings.EqualFold(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]), "no") {
			return "message was auto-submitted"
		}
	}
	for _, v := range headerValues(rt.hdr, "precedence", false) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "bulk", "list", "junk":
			return "message has Precedence " + v
		}
	}
	for _, f := range rt.hdr {
		if strings.HasPrefix(strings.ToLower(f.Name), "list-") {
			return "message is from a mailing list"
		}
	}
	for _, v := range headerValues(rt.hdr, "x-auto-response-suppress", false) {
		for _, f := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(f)) {
			case "all", "oof":
				return "message suppresses automatic replies"
			}
		}
	}
	for _, a := range own {
		if strings.EqualFold(pathString(rt.env.Envelope.From), a) {
			return "sender is the recipient"
		}
	}
	return ""
}

// vacationRecipient finds which of the user's addresses the message was
// sent to, RFC 5230 section 4.5; ok is false when none appears in the
// recipient fields.
func (rt *runtime) vacationRecipient(own []string) (string, bool) {
	for _, h := range []string{"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"} {
		for _, v := range headerValues(rt.hdr, h, false) {
			for _, a := range parseAddressList(v) {
				if a.valid && containsFold(own, a.local+"@"+a.domain) {
					return a.local + "@" + a.domain, true
				}
			}
		}
	}
	return "", false
}

func execVacation(rt *runtime, n *node) error {
	for _, a := range rt.res.Actions {
		switch a.Kind {
		case ActionVacation:
			return rt.errorf(n, "duplicate vacation action not allowed")
		case ActionReject, ActionEReject:
			return rt.errorf(n, "vacation action conflicts with earlier %s action", a.Kind)
		}
	}
	own := append([]string(nil), rt.strs(n.tag("addresses"))...)
	if to := parsePath(rt.env.Envelope.To); to.valid && to.domain != "" {
		own = append(own, to.local+"@"+to.domain)
	}
	if to := parsePath(rt.env.Envelope.OrigTo); rt.opts.VacationUseOriginalRecipient &&
		to.valid && to.domain != "" {
		own = append(own, to.local+"@"+to.domain)
	}
	own = append(own, rt.env.UserAddresses...)
	for i, a := range own {
		if l := parseAddressList(a); len(l) == 1 && l[0].valid {
			own[i] = l[0].local + "@" + l[0].domain
		}
	}
	why := rt.vacationSkip(n, own)
	matched, found := rt.vacationRecipient(own)
	if why == "" && !found && len(own) > 0 && !rt.opts.VacationAnyRecipient {
		why = "recipient address not in the message's recipient fields"
	}

	v := &Vacation{To: pathString(rt.env.Envelope.From), Period: rt.vacationPeriod(n),
		From: rt.str1(n.tag("from")), Recipient: matched, Addresses: rt.strs(n.tag("addresses")),
		Mime: n.has("mime"), Reason: rt.str1(n.args[0]), Fcc: rt.fcc(n), Skip: why}
	if why != "" {
		rt.res.Warnings = append(rt.res.Warnings, "vacation not sent: "+why)
	}
	v.Subject = rt.str1(n.tag("subject"))
	// RFC 5230 section 4.2: the default handle comes from the script's
	// arguments, so that the replies to different messages share it.
	handle := rt.str1(n.tag("handle"))
	if handle == "" {
		sum := sha256.Sum256([]byte(v.Subject + "\x00" + v.From + "\x00" + v.Reason +
			"\x00" + strings.Join(v.Addresses, ",")))
		handle = hex.EncodeToString(sum[:16])
	}
	if v.Subject == "" {
		v.Subject = rt.vacationSubject()
	}
	v.Subject = truncRunes(v.Subject, 256)
	v.ToHeader = rt.replyToHeader()
	if ids := headerValues(rt.hdr, "message-id", false); len(ids) > 0 {
		v.InReplyTo = ids[0]
	}
	// RFC 5230 section 5.8: References carries the thread on.
	refs := headerValues(rt.hdr, "references", false)
	if len(refs) == 0 {
		refs = headerValues(rt.hdr, "in-reply-to", false)
	}
	v.References = strings.Fields(strings.Join(append(refs, v.InReplyTo), " "))
	v.Handle = handle
	return rt.addAction(n, Action{Kind: ActionVacation, Vacation: v})
}

// Compose builds the reply, RFC 5230 section 5 and RFC 3834 section 3.
// Its From is :from, else the user's address the message was sent to,
// else from (the account's address).
func (v *Vacation) Compose(from string) []byte {
	if v.Recipient != "" {
		from = v.Recipient
	}
	if v.From != "" {
		from = v.From
	}
	var b bytes.Buffer
	hdr := func(k, val string) { fmt.Fprintf(&b, "%s: %s\r\n", k, val) }
	hdr("From", from)
	if v.ToHeader != "" {
		hdr("To", v.ToHeader)
	} else {
		hdr("To", "<"+v.To+">")
	}
	hdr("Subject", encodeWord(v.Subject))
	if v.InReplyTo != "" {
		hdr("In-Reply-To", v.InReplyTo)
		hdr("References", strings.Join(v.References, "\r\n "))
	}
	hdr("Auto-Submitted", "auto-replied (vacation)")
	hdr("Precedence", "bulk")
	hdr("MIME-Version", "1.0")
	if v.Mime {
		r := strings.ReplaceAll(v.Reason, "\r\n", "\n")
		b.WriteString(strings.ReplaceAll(r, "\n", "\r\n"))
		return b.Bytes()
	}
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.WriteString(v.Reason)
	return b.Bytes()
}

func encodeWord(s string) string {
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// vacationSubject builds the default subject, RFC 5230 section 4.3:
// "Auto: " and the original subject, or the configured template.
func (rt *runtime) vacationSubject() string {
	subj := ""
	if v := headerValues(rt.hdr, "subject", true); len(v) > 0 {
		subj = v[0]
	}
	if subj == "" && rt.opts.VacationDefaultSubject != "" {
		return rt.opts.VacationDefaultSubject
	}
	if t := rt.opts.VacationSubjectTemplate; t != "" {
		return strings.ReplaceAll(t, "%{subject}", subj)
	}
	return "Auto: " + subj
}

// replyToHeader returns the field of the original message that names the
// envelope sender, with its display name, for the reply's To.
func (rt *runtime) replyToHeader() string {
	sender := pathString(rt.env.Envelope.From)
	for _, name := range []string{"reply-to", "sender", "from", "resent-from"} {
		for _, v := range headerValues(rt.hdr, name, false) {
			for _, a := range parseAddressList(v) {
				if a.valid && strings.EqualFold(a.local+"@"+a.domain, sender) {
					return strings.TrimSpace(a.raw)
				}
			}
		}
	}
	return ""
}

// truncRunes cuts s to max characters, ending it with an ellipsis.
func truncRunes(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "\u2026"
}
