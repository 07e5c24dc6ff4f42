package mailauth

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// checkMacroString checks macro-string syntax (RFC 7208, section 7.1)
// without expanding it.
func checkMacroString(s string, exp bool) error {
	_, err := expandMacros(s, exp, func(byte) (string, error) { return "x", nil })
	return err
}

// expandMacros expands the macros of s, asking value for each macro
// letter (lower case). With exp set, the letters c, r and t, which are only
// allowed in explanations, are accepted, and so are spaces.
func expandMacros(s string, exp bool, value func(byte) (string, error)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if c < 0x21 && !(exp && c == ' ') || c > 0x7e {
				return "", fmt.Errorf("invalid character %q in macro-string", c)
			}
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("macro-string ends with %%")
		}
		i++
		switch s[i] {
		case '%':
			b.WriteByte('%')
		case '_':
			b.WriteByte(' ')
		case '-':
			b.WriteString("%20")
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated macro in %q", s)
			}
			out, err := expandMacro(s[i+1:i+end], exp, value)
			if err != nil {
				return "", err
			}
			b.WriteString(out)
			i += end
		default:
			return "", fmt.Errorf("invalid macro %%%c", s[i])
		}
	}
	return b.String(), nil
}

// expandMacro expands the inside of "%{...}" (RFC 7208, section 7.3).
func expandMacro(m string, exp bool, value func(byte) (string, error)) (string, error) {
	if m == "" {
		return "", fmt.Errorf("empty macro")
	}
	letter := m[0]
	upper := letter >= 'A' && letter <= 'Z'
	letter |= 0x20
	switch letter {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !exp {
			return "", fmt.Errorf("macro %%{%c} only allowed in explanations", letter)
		}
	default:
		return "", fmt.Errorf("invalid macro letter %q", m[0])
	}
	rest := m[1:]
	digits := 0
	for digits < len(rest) && isDigit(rest[digits]) {
		digits++
	}
	keep := -1
	if digits > 0 {
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n == 0 || n > 128 {
			return "", fmt.Errorf("invalid macro transformer %q", rest[:digits])
		}
		keep = n
	}
	rest = rest[digits:]
	reverse := false
	if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
		reverse, rest = true, rest[1:]
	}
	delims := "."
	if rest != "" {
		for i := 0; i < len(rest); i++ {
			if !strings.ContainsRune(".-+,/_=", rune(rest[i])) {
				return "", fmt.Errorf("invalid macro delimiter %q", rest[i])
			}
		}
		delims = rest
	}
	v, err := value(letter)
	if err != nil {
		return "", err
	}
	v = transformMacro(v, delims, reverse, keep)
	if upper {
		v = urlEscape(v)
	}
	return v, nil
}

func transformMacro(v, delims string, reverse bool, keep int) string {
	if delims == "." && !reverse && keep < 0 {
		return v
	}
	parts := strings.FieldsFunc(v, func(r rune) bool {
		return strings.ContainsRune(delims, r)
	})
	if v != "" && len(parts) == 0 {
		parts = []string{""}
	}
	if reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if keep > 0 && keep < len(parts) {
		parts = parts[len(parts)-keep:]
	}
	return strings.Join(parts, ".")
}

// urlEscape escapes all but the unreserved characters of RFC 3986.
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// macroIP returns the "i" macro value: dotted quad for IPv4, dotted
// nibbles for IPv6 (RFC 7208, section 7.3).
func macroIP(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	a := ip.As16()
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 63)
	for i, x := range a {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, hex[x>>4], '.', hex[x&0xf])
	}
	return string(b)
}

// macroValue returns the value of a macro letter for the evaluation e.
func (e *spfEval) macroValue(ctx context.Context, domain string) func(byte) (string, error) {
	return func(letter byte) (string, error) {
		switch letter {
		case 's':
			return e.senderLocal + "@" + e.senderDomain, nil
		case 'l':
			return e.senderLocal, nil
		case 'o':
			return e.senderDomain, nil
		case 'd':
			return domain, nil
		case 'i':
			return macroIP(e.ip), nil
		case 'p':
			return e.validatedName(ctx, domain), nil
		case 'h':
			return e.helo, nil
		case 'v':
			if e.ip.Is4() {
				return "in-addr", nil
			}
			return "ip6", nil
		case 'c':
			return e.ip.String(), nil
		case 'r':
			if e.hostname == "" {
				return "unknown", nil
			}
			return e.hostname, nil
		case 't':
			return strconv.FormatInt(e.now.Unix(), 10), nil
		}
		return "", fmt.Errorf("invalid macro letter %q", letter)
	}
}
