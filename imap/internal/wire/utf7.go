package wire

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrBadUTF7 is returned for a mailbox name that is not valid modified
// UTF-7 (RFC 3501 section 5.1.3).
var ErrBadUTF7 = errors.New("imap: invalid modified UTF-7 mailbox name")

var b64 = base64.NewEncoding(
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").
	WithPadding(base64.NoPadding)

// DecodeMUTF7 turns a modified UTF-7 mailbox name into UTF-8
// (RFC 3501 section 5.1.3).
func DecodeMUTF7(s string) (string, error) {
	if !strings.ContainsRune(s, '&') {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return "", ErrBadUTF7
			}
		}
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", ErrBadUTF7
		}
		if c != '&' {
			sb.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", ErrBadUTF7
		}
		enc := s[i+1 : i+1+end]
		i += end + 1
		if enc == "" {
			sb.WriteByte('&')
			continue
		}
		raw, err := b64.DecodeString(enc)
		if err != nil || len(raw)%2 != 0 {
			return "", ErrBadUTF7
		}
		units := make([]uint16, len(raw)/2)
		for j := range units {
			units[j] = uint16(raw[2*j])<<8 | uint16(raw[2*j+1])
		}
		for _, r := range utf16.Decode(units) {
			if r == utf8.RuneError || (r >= 0x20 && r <= 0x7e) {
				return "", ErrBadUTF7
			}
			sb.WriteRune(r)
		}
	}
	return sb.String(), nil
}

// EncodeMUTF7 turns a UTF-8 mailbox name into modified UTF-7.
func EncodeMUTF7(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] == '&' || s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var sb strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		units := utf16.Encode(run)
		raw := make([]byte, 2*len(units))
		for j, u := range units {
			raw[2*j], raw[2*j+1] = byte(u>>8), byte(u)
		}
		sb.WriteByte('&')
		sb.WriteString(b64.EncodeToString(raw))
		sb.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			sb.WriteString("&-")
		case r >= 0x20 && r <= 0x7e:
			flush()
			sb.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return sb.String()
}
