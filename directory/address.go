package directory

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Address is a recipient address split and normalised the way every
// backend stores it.
type Address struct {
	// Local is the local part, unquoted, NFC-normalised and lower-cased
	// unless the directory is case-sensitive. It may hold UTF-8
	// (RFC 6531).
	Local string
	// Domain is the domain in lower-case A-label form (RFC 5891), or an
	// address literal such as "[192.0.2.1]" as written.
	Domain string
}

// String returns "local@domain".
func (a Address) String() string { return a.Local + "@" + a.Domain }

// NormalizeDomain returns the lower-case A-label form of a domain given
// in either A-label or U-label form (RFC 5890 section 2.3.2.1), without a
// trailing dot.
func NormalizeDomain(domain string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if d == "" || len(d) > 255 {
		return "", fmt.Errorf("normalize domain %q: %w", domain, ErrMalformed)
	}
	if d[0] == '[' && d[len(d)-1] == ']' {
		return lowerASCII(d), nil
	}
	if d[0] == '.' || d[len(d)-1] == '.' || strings.Contains(d, "..") {
		return "", fmt.Errorf("normalize domain %q: empty label: %w", domain, ErrMalformed)
	}
	a, err := idna.Lookup.ToASCII(d)
	if err == nil {
		return a, nil
	}
	// Names that IDNA's strict rules refuse but that are plain ASCII
	// (an underscore, say) are kept, lower-cased.
	for i := 0; i < len(d); i++ {
		if c := d[i]; c <= ' ' || c >= 0x7f || c == '@' {
			return "", fmt.Errorf("normalize domain %q: %w", domain, ErrMalformed)
		}
	}
	return lowerASCII(d), nil
}

// unicodeDomain returns the U-label form of an A-label domain, or "" when
// it is the same.
func unicodeDomain(ascii string) string {
	if !strings.Contains(ascii, "xn--") {
		return ""
	}
	u, err := idna.ToUnicode(ascii)
	if err != nil || u == ascii {
		return ""
	}
	return u
}

// ParseAddress splits and normalises an addr-spec (RFC 5321 section
// 4.1.2, with RFC 6531 UTF-8 local parts). Angle brackets around it are
// removed; a quoted local part is unquoted. maxLen > 0 bounds the
// length in octets.
func ParseAddress(s string, caseSensitive bool, maxLen int) (Address, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	if maxLen > 0 && len(s) > maxLen {
		return Address{}, fmt.Errorf("parse address: too long: %w", ErrMalformed)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || !utf8.ValidString(s) {
		return Address{}, fmt.Errorf("parse address %q: %w", s, ErrMalformed)
	}
	local, err := normalizeLocal(s[:at], caseSensitive)
	if err != nil {
		return Address{}, err
	}
	domain, err := NormalizeDomain(s[at+1:])
	if err != nil {
		return Address{}, err
	}
	return Address{Local: local, Domain: domain}, nil
}

// normalizeLocal unquotes a quoted-string local part and applies NFC and,
// unless caseSensitive, Unicode lower-casing.
func normalizeLocal(l string, caseSensitive bool) (string, error) {
	if len(l) >= 2 && l[0] == '"' && l[len(l)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(l)-1; i++ {
			if l[i] == '\\' && i+1 < len(l)-1 {
				i++
			}
			b.WriteByte(l[i])
		}
		l = b.String()
	}
	if l == "" {
		return "", fmt.Errorf("parse address: empty local part: %w", ErrMalformed)
	}
	for _, r := range l {
		if r < ' ' || r == 0x7f {
			return "", fmt.Errorf("parse address: control character: %w", ErrMalformed)
		}
	}
	l = norm.NFC.String(l)
	if !caseSensitive {
		l = strings.ToLower(l)
	}
	return l, nil
}

// NormalizeEmail returns the stored form of an address of a principal:
// "local@domain" normalised by ParseAddress, or "@domain" for a
// catch-all.
func NormalizeEmail(s string, caseSensitive bool) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") {
		d, err := NormalizeDomain(s[1:])
		if err != nil {
			return "", err
		}
		return "@" + d, nil
	}
	a, err := ParseAddress(s, caseSensitive, 0)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}
