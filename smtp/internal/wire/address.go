package wire

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Length limits of RFC 5321, section 4.5.3.1.
const (
	MaxLocalPart = 64
	MaxDomain    = 255
	MaxPath      = 256
)

// Mailbox is a parsed mailbox (RFC 5321, section 4.1.2): a local part as
// sent (quotes kept) and a domain, or an address literal in brackets.
type Mailbox struct {
	Local  string
	Domain string
}

// String returns local@domain.
func (m Mailbox) String() string { return m.Local + "@" + m.Domain }

// ParseMailbox parses Local-part "@" ( Domain / address-literal ). With
// allowUTF8 (RFC 6531, section 3.3) the local part and domain may hold
// UTF-8; without, they are ASCII only.
func ParseMailbox(s string, allowUTF8 bool) (Mailbox, error) {
	if len(s) > MaxPath-2 {
		return Mailbox{}, fmt.Errorf("parse mailbox: too long: %w", ErrSyntax)
	}
	if !utf8.ValidString(s) {
		return Mailbox{}, fmt.Errorf("parse mailbox: invalid UTF-8: %w", ErrSyntax)
	}
	at := localPartEnd(s)
	if at <= 0 || at >= len(s)-1 || s[at] != '@' {
		return Mailbox{}, fmt.Errorf("parse mailbox %q: %w", s, ErrSyntax)
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > MaxLocalPart {
		return Mailbox{}, fmt.Errorf("parse mailbox: local part too long: %w", ErrSyntax)
	}
	if err := checkLocalPart(local, allowUTF8); err != nil {
		return Mailbox{}, err
	}
	if strings.HasPrefix(domain, "[") {
		if err := checkAddressLiteral(domain); err != nil {
			return Mailbox{}, err
		}
		return Mailbox{Local: local, Domain: domain}, nil
	}
	d, err := ParseDomain(domain, allowUTF8)
	if err != nil {
		return Mailbox{}, err
	}
	return Mailbox{Local: local, Domain: d}, nil
}

// localPartEnd returns the index of the '@' after the local part, skipping
// a quoted string, or -1.
func localPartEnd(s string) int {
	if !strings.HasPrefix(s, `"`) {
		return strings.LastIndexByte(s, '@')
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			if i+1 < len(s) && s[i+1] == '@' {
				return i + 1
			}
			return -1
		}
	}
	return -1
}

func checkLocalPart(local string, allowUTF8 bool) error {
	if strings.HasPrefix(local, `"`) {
		return checkQuoted(local[1:len(local)-1], allowUTF8)
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") ||
		strings.Contains(local, "..") {
		return fmt.Errorf("parse local part %q: %w", local, ErrSyntax)
	}
	for _, r := range local {
		if r == '.' || isAtext(r, allowUTF8) {
			continue
		}
		return fmt.Errorf("parse local part %q: %w", local, ErrSyntax)
	}
	return nil
}

// checkQuoted checks the inside of a Quoted-string (qtextSMTP and
// quoted-pairSMTP of RFC 5321, section 4.1.2).
func checkQuoted(q string, allowUTF8 bool) error {
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\\':
			i++
			if i >= len(q) || q[i] < 32 || q[i] > 126 {
				return fmt.Errorf("parse quoted local part: %w", ErrSyntax)
			}
		case c == '"' || c < 32 || c == 127:
			return fmt.Errorf("parse quoted local part: %w", ErrSyntax)
		case c >= 0x80 && !allowUTF8:
			return fmt.Errorf("parse quoted local part: 8-bit: %w", ErrSyntax)
		}
	}
	return nil
}

// isAtext reports whether r is atext (RFC 5322, section 3.2.3), extended
// with non-ASCII by RFC 6532, section 3.2 when allowUTF8 is set.
func isAtext(r rune, allowUTF8 bool) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case r >= 0x80:
		return allowUTF8 && r != utf8.RuneError && !isUnicodeControl(r)
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

func isUnicodeControl(r rune) bool {
	return r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029
}

// ParseDomain checks a domain name (RFC 5321, section 4.1.2 Domain) and
// returns it in lower case. With allowUTF8, labels may be U-labels.
func ParseDomain(d string, allowUTF8 bool) (string, error) {
	if d == "" || len(d) > MaxDomain {
		return "", fmt.Errorf("parse domain: %w", ErrSyntax)
	}
	d = strings.TrimSuffix(d, ".")
	for _, label := range strings.Split(d, ".") {
		if err := checkLabel(label, allowUTF8); err != nil {
			return "", err
		}
	}
	return strings.ToLower(d), nil
}

func checkLabel(label string, allowUTF8 bool) error {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return fmt.Errorf("parse domain label %q: %w", label, ErrSyntax)
	}
	for _, r := range label {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r >= 0x80 && allowUTF8 && !isUnicodeControl(r) && r != utf8.RuneError
		if !ok {
			return fmt.Errorf("parse domain label %q: %w", label, ErrSyntax)
		}
	}
	return nil
}

// checkAddressLiteral checks "[" IPv4 / "IPv6:" IPv6 "]" (RFC 5321,
// section 4.1.3). General address literals are refused.
func checkAddressLiteral(d string) error {
	if !strings.HasSuffix(d, "]") {
		return fmt.Errorf("parse address literal: %w", ErrSyntax)
	}
	lit := d[1 : len(d)-1]
	if v6, ok := strings.CutPrefix(lit, "IPv6:"); ok {
		if a, err := netip.ParseAddr(v6); err == nil && a.Is6() {
			return nil
		}
		return fmt.Errorf("parse IPv6 literal: %w", ErrSyntax)
	}
	if a, err := netip.ParseAddr(lit); err == nil && a.Is4() {
		return nil
	}
	return fmt.Errorf("parse address literal: %w", ErrSyntax)
}

// IsASCII reports whether s holds only 7-bit characters.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
