package sieve

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
)

// parseMailto checks a mailto URI, RFC 6068, and returns its recipients
// and header fields.
func parseMailto(uri string) ([]string, map[string]string, bool) {
	if !strings.HasPrefix(strings.ToLower(uri), "mailto:") {
		return nil, nil, false
	}
	rest := uri[len("mailto:"):]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	var to []string
	if rest != "" {
		path, err := url.PathUnescape(rest)
		if err != nil {
			return nil, nil, false
		}
		for _, a := range strings.Split(path, ",") {
			if _, ok := normalizeRedirect(a); !ok {
				return nil, nil, false
			}
			to = append(to, strings.TrimSpace(a))
		}
	}
	hdrs := map[string]string{}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			k, err1 := url.QueryUnescape(k)
			v, err2 := url.PathUnescape(v)
			if err1 != nil || err2 != nil || k == "" {
				return nil, nil, false
			}
			k = strings.ToLower(k)
			if !validFieldName(k) {
				return nil, nil, false
			}
			if k == "to" {
				for _, a := range strings.Split(v, ",") {
					if _, ok := normalizeRedirect(a); !ok {
						return nil, nil, false
					}
					to = append(to, a)
				}
				continue
			}
			hdrs[k] = v
		}
	}
	if len(to) == 0 {
		return nil, nil, false
	}
	return to, hdrs, true
}

func validNotifyMethod(uri string) bool {
	_, _, ok := parseMailto(uri)
	return ok
}

func checkNotify(c *compiler, n *node) {
	if s, ok := constString(n.args[0].strs[0]); ok && !validNotifyMethod(s) {
		c.errorf(n.args[0].pos, "notify command: invalid or unsupported notify "+
			"method '%s'", s)
	}
	if v := n.tag("importance"); v != nil {
		if s, ok := constString(v.strs[0]); ok && s != "1" && s != "2" && s != "3" {
			c.errorf(v.pos, "notify command: invalid :importance value '%s'", s)
		}
	}
	if v := n.tag("from"); v != nil {
		if s, ok := constString(v.strs[0]); ok {
			if _, valid := normalizeRedirect(s); !valid {
				c.errorf(v.pos, "notify command: invalid :from address '%s'", s)
			}
		}
	}
	checkFcc(c, n)
}

// execNotify queues a notification, RFC 5435 section 3.
func execNotify(rt *runtime, n *node) error {
	method := rt.str1(n.args[0])
	if !validNotifyMethod(method) {
		return rt.errorf(n, "notify: invalid notify method '%s'", method)
	}
	if rt.notifies >= rt.opts.maxNotifications() {
		return &RuntimeError{Pos: n.pos, Msg: "number of notify actions exceeds " +
			"policy limit", Err: ErrLimit}
	}
	for _, a := range rt.res.Actions {
		if a.Kind == ActionNotify && a.Notify.Method == method {
			return nil
		}
	}
	rt.notifies++
	skip := ""
	for _, v := range headerValues(rt.hdr, "auto-submitted", false) {
		if !strings.EqualFold(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]), "no") {
			// RFC 5436 section 2.7: no notifications about automated mail.
			skip = "message was auto-submitted"
		}
	}
	nt := &Notify{Skip: skip, Method: method, From: rt.str1(n.tag("from")),
		Importance: rt.str1(n.tag("importance")), Options: rt.strs(n.tag("options")),
		Message: rt.str1(n.tag("message")), Fcc: rt.fcc(n)}
	if nt.Importance == "" {
		nt.Importance = "2"
	}
	if nt.Message == "" {
		from, subj := "", ""
		if v := headerValues(rt.hdr, "from", true); len(v) > 0 {
			from = v[0]
		}
		if v := headerValues(rt.hdr, "subject", true); len(v) > 0 {
			subj = v[0]
		}
		nt.Message = fmt.Sprintf("%s: %s", from, subj)
	}
	return rt.addAction(n, Action{Kind: ActionNotify, Notify: nt})
}

func evalValidNotifyMethod(rt *runtime, n *node) (bool, error) {
	for _, m := range rt.strs(n.args[0]) {
		if !validNotifyMethod(m) {
			return false, nil
		}
	}
	return true, nil
}

func evalNotifyCapability(rt *runtime, n *node) (bool, error) {
	uri := rt.str1(n.args[0])
	if !strings.HasPrefix(strings.ToLower(uri), "mailto:") {
		return false, nil
	}
	if !strings.EqualFold(rt.str1(n.args[1]), "online") {
		return false, nil
	}
	return rt.matchValues(n, []string{"maybe"})
}

// Compose builds the notification message for a mailto method, RFC 5436
// section 2. from is the sender to use when the script gave no :from.
func (nt *Notify) Compose(from string) []byte {
	to, hdrs, ok := parseMailto(nt.Method)
	if !ok {
		return nil
	}
	if nt.From != "" {
		from = nt.From
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", strings.Join(to, ", "))
	var cc []string
	for _, a := range mailtoRecipients(nt.Method)[len(dedupe(to)):] {
		cc = append(cc, a)
	}
	if len(cc) > 0 {
		hdr("Cc", strings.Join(cc, ", "))
	}
	hdr("X-Sieve", "Bulwark Sieve")
	subj := hdrs["subject"]
	if subj == "" {
		subj = nt.Message
	}
	hdr("Subject", encodeWord(subj))
	hdr("Auto-Submitted", "auto-notified")
	hdr("Precedence", "bulk")
	switch nt.Importance {
	case "1":
		hdr("X-Priority", "1 (Highest)")
		hdr("Importance", "High")
	case "3":
		hdr("X-Priority", "5 (Lowest)")
		hdr("Importance", "Low")
	default:
		hdr("X-Priority", "3 (Normal)")
		hdr("Importance", "Normal")
	}
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	if body := hdrs["body"]; body != "" {
		b.WriteString(body)
	} else {
		b.WriteString(nt.Message)
	}
	return b.Bytes()
}

// ComposeReject builds the rejection notice sent back to the sender when
// reject cannot refuse at the SMTP level, RFC 5429 section 2.2.1.
func ComposeReject(reason, from, to string, orig []HeaderField) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", "<"+to+">")
	subj := ""
	if v := headerValues(orig, "subject", true); len(v) > 0 {
		subj = v[0]
	}
	hdr("Subject", encodeWord("Rejected: "+subj))
	hdr("Auto-Submitted", "auto-replied (rejected)")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	b.WriteString("Your message was rejected by the recipient's filter:\r\n\r\n")
	b.WriteString(reason)
	b.WriteString("\r\n")
	return b.Bytes()
}

// mailtoRecipients returns the To and Cc addresses of a mailto URI,
// without duplicates (RFC 5436 section 2.3).
func mailtoRecipients(uri string) []string {
	to, hdrs, ok := parseMailto(uri)
	if !ok {
		return nil
	}
	if cc := hdrs["cc"]; cc != "" {
		to = append(to, strings.Split(cc, ",")...)
	}
	var out []string
	for _, a := range to {
		addr, ok := normalizeRedirect(a)
		if ok && !containsFold(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}

func dedupe(list []string) []string {
	var out []string
	for _, a := range list {
		addr, ok := normalizeRedirect(a)
		if ok && !containsFold(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}
