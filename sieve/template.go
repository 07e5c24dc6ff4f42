package sieve

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tstr is a compiled string: a literal, or parts with variable references
// (RFC 5229 section 3).
type tstr struct {
	lit   string
	parts []tpart
}

type tpart struct {
	lit  string
	ref  bool
	ns   string // namespace, "" for plain variables
	name string // lower-case variable name
	num  int    // match variable index, -1 for named
}

// parseTemplate splits s at variable references. Anything that is not a
// well-formed reference stays literal text.
func parseTemplate(s string, namespaces map[string]bool) *tstr {
	if !strings.Contains(s, "${") {
		return &tstr{lit: s}
	}
	var parts []tpart
	var lit strings.Builder
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		lit.WriteString(s[i : i+j])
		i += j
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			lit.WriteString(s[i:])
			break
		}
		name := s[i+2 : i+2+end]
		if p, ok := varRef(name, namespaces); ok {
			if lit.Len() > 0 {
				parts = append(parts, tpart{lit: lit.String()})
				lit.Reset()
			}
			parts = append(parts, p)
			i += 3 + end
			continue
		}
		lit.WriteString("${")
		i += 2
	}
	if lit.Len() > 0 {
		parts = append(parts, tpart{lit: lit.String()})
	}
	if len(parts) == 1 && !parts[0].ref {
		return &tstr{lit: parts[0].lit}
	}
	if len(parts) == 0 {
		return &tstr{}
	}
	return &tstr{parts: parts}
}

// varRef parses the inside of "${...}".
func varRef(name string, namespaces map[string]bool) (tpart, bool) {
	if name == "" {
		return tpart{}, false
	}
	if isDigits(name) {
		n, err := strconv.Atoi(name)
		if err != nil {
			n = 1 << 30
		}
		return tpart{ref: true, num: n}, true
	}
	segs := strings.Split(name, ".")
	for _, s := range segs {
		if !isIdentifier(s) {
			return tpart{}, false
		}
	}
	p := tpart{ref: true, num: -1, name: strings.ToLower(name)}
	if len(segs) > 1 {
		ns := strings.ToLower(segs[0])
		if !namespaces[ns] {
			return tpart{}, false
		}
		p.ns = ns
		p.name = strings.ToLower(strings.Join(segs[1:], "."))
	}
	return p, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isIdentifier(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

// decodeEncodedChars replaces "${hex:...}" and "${unicode:...}",
// RFC 5228 section 2.4.2.4.
func decodeEncodedChars(s string) (string, error) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		inner := s[i+2 : i+end]
		colon := strings.IndexByte(inner, ':')
		if colon > 0 {
			kind := strings.ToLower(inner[:colon])
			out, ok, err := decodeEncoded(kind, inner[colon+1:])
			if err != nil {
				return "", err
			}
			if ok {
				b.WriteString(out)
				i += end + 1
				continue
			}
		}
		b.WriteString("${")
		i += 2
	}
	return b.String(), nil
}

func decodeEncoded(kind, body string) (string, bool, error) {
	if kind != "hex" && kind != "unicode" {
		return "", false, nil
	}
	fields := strings.FieldsFunc(body, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
	if len(fields) == 0 {
		// "${hex:}" holds no character and stays literal text.
		return "", false, nil
	}
	var b strings.Builder
	for _, f := range fields {
		if kind == "hex" {
			if len(f) > 2 {
				return "", false, nil
			}
			v, err := strconv.ParseUint(f, 16, 8)
			if err != nil {
				return "", false, nil
			}
			b.WriteByte(byte(v))
			continue
		}
		v, err := strconv.ParseUint(f, 16, 32)
		if err != nil || len(f) > 8 {
			return "", false, nil
		}
		if v > 0x10ffff || v >= 0xd800 && v <= 0xdfff {
			return "", false, fmt.Errorf("invalid unicode character 0x%s in "+
				"encoded character substitution", f)
		}
		b.WriteRune(rune(v))
	}
	return b.String(), true, nil
}

// truncUTF8 cuts s to at most n bytes without splitting a character.
func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
