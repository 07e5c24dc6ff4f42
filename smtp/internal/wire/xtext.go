package wire

import (
	"fmt"
	"strings"
)

// DecodeXtext decodes xtext (RFC 3461, section 4): "+" followed by two
// upper-case hex digits stands for one octet; other characters are
// printable ASCII except "+" and "=".
func DecodeXtext(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) {
				return "", fmt.Errorf("decode xtext: short escape: %w", ErrSyntax)
			}
			hi, lo := unhex(s[i+1]), unhex(s[i+2])
			if hi < 0 || lo < 0 {
				return "", fmt.Errorf("decode xtext: bad escape: %w", ErrSyntax)
			}
			b.WriteByte(byte(hi<<4 | lo))
			i += 2
		case c < '!' || c > '~' || c == '=':
			return "", fmt.Errorf("decode xtext: %w", ErrSyntax)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// EncodeXtext encodes s as xtext (RFC 3461, section 4).
func EncodeXtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			fmt.Fprintf(&b, "+%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
