package msgparse

import "strings"

// addrToken is one lexical item of an address list.
type addrToken struct {
	kind  byte // 'w' word, 'q' quoted string, 'c' comment, or the special
	text  string
	space bool // white space came before it
}

// lexAddresses splits an address header into words, quoted strings,
// comments and the specials < > , : ; (RFC 5322 section 3.2).
func lexAddresses(s string) []addrToken {
	var toks []addrToken
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			space = true
			i++
			continue
		case c == '"':
			text, n := readQuoted(s[i:])
			toks = append(toks, addrToken{kind: 'q', text: text, space: space})
			i += n
		case c == '(':
			text, n := readComment(s[i:])
			toks = append(toks, addrToken{kind: 'c', text: text, space: space})
			i += n
		case strings.IndexByte("<>,:;", c) >= 0:
			toks = append(toks, addrToken{kind: c, space: space})
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\r\n\"(<>,:;", s[j]) < 0 {
				j++
			}
			toks = append(toks, addrToken{kind: 'w', text: s[i:j], space: space})
			i = j
		}
		space = false
	}
	return toks
}

// readQuoted reads a quoted string at the start of s (which begins with
// a quote), returning its unescaped content and length; an unterminated
// string runs to the end.
func readQuoted(s string) (string, int) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1
		case '\r', '\n':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), len(s)
}

// readComment reads a possibly nested comment, returning its text.
func readComment(s string) (string, int) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '(':
			if depth > 0 {
				b.WriteByte(c)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return b.String(), i + 1
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), len(s)
}

// addrBuilder gathers one address while the list is read.
type addrBuilder struct {
	phrase   []addrToken
	comments []string
	angle    []addrToken
	route    string
	inAngle  bool
	hasAngle bool
}

// ParseAddressList reads an address header value (RFC 5322 section 3.4,
// with the obsolete forms of section 4.4) leniently. Groups appear as
// RFC 9051 section 7.5.2 markers around their members. Names are returned
// as written (quotes removed, RFC 2047 encoded words and 8-bit bytes
// kept); pass them to DecodeHeader for display.
func ParseAddressList(s string) []Address {
	var out []Address
	var cur addrBuilder
	inGroup := false
	for _, t := range lexAddresses(s) {
		if cur.inAngle {
			switch t.kind {
			case '>':
				cur.inAngle = false
			case ':':
				if len(cur.angle) > 0 && strings.HasPrefix(cur.angle[0].text, "@") {
					// RFC 5322 obs-route: kept apart from the address.
					cur.route = joinSpec(cur.angle)
					cur.angle = nil
					continue
				}
				cur.angle = append(cur.angle, addrToken{kind: 'w', text: ":"})
			case 'c':
			case ',', ';', '<':
				if t.kind == ',' && len(cur.angle) > 0 && strings.HasPrefix(cur.angle[0].text, "@") {
					// Between the domains of an obs-route.
					cur.angle = append(cur.angle, addrToken{kind: 'w', text: ","})
					continue
				}
				// An unclosed angle: the address ends here.
				cur.inAngle = false
				out, inGroup = cur.emitSpecial(out, t.kind, inGroup)
				cur = addrBuilder{}
			default:
				cur.angle = append(cur.angle, t)
			}
			continue
		}
		switch t.kind {
		case 'c':
			cur.comments = append(cur.comments, t.text)
		case '<':
			cur.inAngle, cur.hasAngle = true, true
			cur.angle = nil
		case '>':
		case ':':
			if inGroup || cur.hasAngle {
				continue
			}
			out = append(out, Address{Mailbox: joinPhrase(cur.phrase),
				Kind: KindGroupStart})
			inGroup = true
			cur = addrBuilder{}
		case ',', ';':
			out, inGroup = cur.emitSpecial(out, t.kind, inGroup)
			cur = addrBuilder{}
		default:
			cur.phrase = append(cur.phrase, t)
		}
	}
	out = cur.emit(out)
	if inGroup {
		out = append(out, Address{Kind: KindGroupEnd})
	}
	return out
}

// emitSpecial ends the current address at "," or ";".
func (b *addrBuilder) emitSpecial(out []Address, k byte, inGroup bool) ([]Address, bool) {
	out = b.emit(out)
	if k == ';' && inGroup {
		out = append(out, Address{Kind: KindGroupEnd})
		inGroup = false
	}
	return out, inGroup
}

// emit appends the gathered address, if any.
func (b *addrBuilder) emit(out []Address) []Address {
	var name, spec string
	if b.hasAngle {
		name = joinPhrase(b.phrase)
		spec = joinSpec(b.angle)
	} else {
		spec, name = b.bareAddress()
	}
	if b.hasAngle && name == "" && len(b.comments) > 0 {
		name = strings.Join(b.comments, " ")
	}
	if spec == "" && name == "" {
		return out
	}
	a := Address{Name: strings.TrimSpace(name), Route: b.route}
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		a.Mailbox, a.Host = spec[:i], spec[i+1:]
	} else {
		a.Mailbox = spec
	}
	return append(out, a)
}

// bareAddress reads an address without angle brackets: an addr-spec,
// with a trailing comment as its name (RFC 822 style), or a phrase whose
// last word is the addr-spec ("John Doe jdoe@example.com"), or words
// without "@" that are kept as they are.
func (b *addrBuilder) bareAddress() (spec, name string) {
	name = strings.Join(b.comments, " ")
	n := len(b.phrase)
	if n > 1 && b.phrase[n-1].space && strings.Contains(b.phrase[n-1].text, "@") &&
		!strings.Contains(joinSpec(b.phrase[:n-1]), "@") &&
		!strings.HasPrefix(b.phrase[n-1].text, "@") &&
		!strings.HasSuffix(joinSpec(b.phrase[:n-1]), ".") {
		if name == "" {
			name = joinPhrase(b.phrase[:n-1])
		}
		return b.phrase[n-1].text, name
	}
	spec = joinSpec(b.phrase)
	if !strings.Contains(spec, "@") {
		spec = joinPhrase(b.phrase)
	}
	return spec, name
}

// joinPhrase joins display-name words with single spaces.
func joinPhrase(toks []addrToken) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// joinSpec joins addr-spec pieces, dropping the white space that the
// obsolete syntax allows around dots and "@".
func joinSpec(toks []addrToken) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind == 'q' && strings.ContainsAny(t.text, " \t") {
			b.WriteString(`"` + t.text + `"`)
			continue
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// mailboxes drops group markers and decodes names, as Message's address
// fields hold them.
func mailboxes(list []Address) []Address {
	var out []Address
	for _, a := range list {
		if a.Kind != KindMailbox {
			continue
		}
		a.Name = decodeWords(a.Name)
		a.Mailbox, a.Host = raw8bit(a.Mailbox), raw8bit(a.Host)
		out = append(out, a)
	}
	return out
}
