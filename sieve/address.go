package sieve

import "strings"

// mailAddr is one entry of an address list. Invalid entries keep their raw
// text for ":all" and never match ":localpart" or ":domain" (RFC 5228
// section 2.7.4).
type mailAddr struct {
	raw    string
	local  string
	domain string
	valid  bool
}

func (a mailAddr) all() string {
	if !a.valid {
		return a.raw
	}
	if a.domain == "" {
		return a.local
	}
	return quoteLocal(a.local) + "@" + a.domain
}

// quoteLocal quotes a local part that is not a dot-atom, RFC 5322 3.4.1.
func quoteLocal(l string) string {
	if dotAtom(l) || l == "" {
		return l
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(l) + `"`
}

// parseAddressList splits a header value into addresses, RFC 5322 section
// 3.4, tolerating damaged entries: each invalid entry is kept on its own,
// and the others still count (case: unquoted comma in a display name).
func parseAddressList(v string) []mailAddr {
	v = strings.TrimSpace(v)
	if v == "" {
		return []mailAddr{{raw: ""}}
	}
	var out []mailAddr
	for _, entry := range splitTopLevel(v) {
		entry = strings.TrimSpace(entry)
		// Group syntax: "name: a, b;" - the name ends at an unquoted ':'.
		if i := topLevelIndex(entry, ':'); i >= 0 && !strings.Contains(entry[:i], "<") {
			entry = strings.TrimSpace(entry[i+1:])
		}
		entry = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(entry), ";"))
		if entry == "" {
			continue
		}
		out = append(out, parseMailbox(entry))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// splitTopLevel splits at commas and semicolons outside quotes, comments
// and angle brackets.
func splitTopLevel(v string) []string {
	var parts []string
	depth, angle, quoted, start := 0, false, false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case (c == ',' || c == ';') && !angle:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

func topLevelIndex(v string, want byte) int {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == want:
			return i
		}
	}
	return -1
}

// stripComments removes parenthesised comments outside quotes.
func stripComments(v string) string {
	if !strings.Contains(v, "(") {
		return v
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			} else if c == '"' {
				quoted = false
			}
		case c == '"' && depth == 0:
			quoted = true
			b.WriteByte(c)
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
			if c == '\\' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func parseMailbox(entry string) mailAddr {
	raw := entry
	spec := strings.TrimSpace(stripComments(entry))
	if i := strings.LastIndexByte(spec, '<'); i >= 0 {
		j := strings.IndexByte(spec[i:], '>')
		if j < 0 {
			return mailAddr{raw: raw}
		}
		spec = spec[i+1 : i+j]
		if k := strings.IndexByte(spec, ':'); k >= 0 && strings.HasPrefix(spec, "@") {
			spec = spec[k+1:]
		}
	}
	local, domain, ok := splitAddrSpec(strings.TrimSpace(spec))
	if !ok {
		return mailAddr{raw: raw}
	}
	return mailAddr{raw: raw, local: local, domain: domain, valid: true}
}

// splitAddrSpec checks an addr-spec, RFC 5322 section 3.4.1.
func splitAddrSpec(s string) (local, domain string, ok bool) {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", "", false
	}
	local, domain = strings.TrimSpace(s[:at]), strings.TrimSpace(s[at+1:])
	if strings.HasPrefix(local, "\"") {
		if len(local) < 2 || !strings.HasSuffix(local, "\"") {
			return "", "", false
		}
		local = unquote(local[1 : len(local)-1])
	} else if !dotAtom(local) {
		return "", "", false
	}
	if !(strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]")) &&
		!dotAtom(domain) {
		return "", "", false
	}
	return local, domain, true
}

func unquote(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte("()<>[]:;@\\,\"", c) >= 0 {
			return false
		}
	}
	return true
}

// parsePath parses an SMTP path, RFC 5321 section 4.1.2, with or without
// angle brackets; source routes are dropped and a bare local part (such
// as "MAILER-DAEMON") is accepted. Loose local parts with stray dots, as
// some Japanese providers use, are accepted too.
func parsePath(s string) mailAddr {
	s = strings.TrimSpace(s)
	raw := s
	if strings.HasPrefix(s, "<") != strings.HasSuffix(s, ">") {
		return mailAddr{raw: raw}
	}
	if strings.HasPrefix(s, "<") {
		s = s[1 : len(s)-1]
	}
	if strings.ContainsAny(s, "<>") {
		return mailAddr{raw: raw}
	}
	if s == "" {
		return mailAddr{valid: true}
	}
	if strings.HasPrefix(s, "@") {
		colon := strings.IndexByte(s, ':')
		if colon < 0 {
			return mailAddr{raw: raw}
		}
		for _, hop := range strings.Split(s[:colon], ",") {
			if !strings.HasPrefix(hop, "@") || !pathDomain(hop[1:]) {
				return mailAddr{raw: raw}
			}
		}
		s = s[colon+1:]
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		if s != "" && pathLocal(s) {
			return mailAddr{raw: raw, local: s, valid: true}
		}
		return mailAddr{raw: raw}
	}
	local, domain := s[:at], s[at+1:]
	if strings.HasPrefix(local, "\"") && strings.HasSuffix(local, "\"") && len(local) > 1 {
		local = unquote(local[1 : len(local)-1])
	} else if !pathLocal(local) {
		return mailAddr{raw: raw}
	}
	if !pathDomain(domain) {
		return mailAddr{raw: raw}
	}
	return mailAddr{raw: raw, local: local, domain: domain, valid: true}
}

func pathLocal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>[]:;@\\,\"", c) >= 0 {
			return false
		}
	}
	return true
}

func pathDomain(s string) bool {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return len(s) > 2
	}
	if s == "" {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				c == '-' || c == '_' || c >= 0x80) {
				return false
			}
		}
	}
	return true
}

// addressPart extracts a part of an address, RFC 5228 section 2.7.4 and
// RFC 5233 section 4. ok is false when the part does not exist.
func addressPart(a mailAddr, part, sep string) (string, bool) {
	if !a.valid {
		return a.raw, part == "all" || part == ""
	}
	switch part {
	case "localpart":
		return a.local, true
	case "domain":
		return a.domain, true
	case "user":
		if i := strings.IndexAny(a.local, sep); i >= 0 {
			return a.local[:i], true
		}
		return a.local, true
	case "detail":
		if i := strings.IndexAny(a.local, sep); i >= 0 {
			return a.local[i+1:], true
		}
		return "", false
	}
	return a.all(), true
}
