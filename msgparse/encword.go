package msgparse

import (
	"strings"
)

// decodeWords decodes the RFC 2047 encoded words in a header value,
// leniently: white space between adjacent encoded words is dropped
// (section 6.2), adjacent words in one charset are joined before charset
// decoding so that a character split across words survives, words inside
// quoted strings or glued to other text are decoded too, and a malformed
// word stays as it is. Raw 8-bit text is kept when it is UTF-8 (RFC 6532)
// and read as windows-1252 otherwise.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return raw8bit(s)
	}
	var out strings.Builder
	var pend []byte // decoded bytes of adjacent words in pendCS
	pendCS := ""
	flush := func() {
		if pend != nil {
			text, _ := toUTF8(pend, pendCS)
			out.WriteString(text)
			pend = nil
		}
	}
	gap := "" // white space after the last word, dropped if a word follows
	for len(s) > 0 {
		i := strings.Index(s, "=?")
		if i < 0 {
			break
		}
		cs, data, n, ok := parseWord(s[i:])
		if !ok {
			flush()
			out.WriteString(gap + raw8bit(s[:i+2]))
			gap, s = "", s[i+2:]
			continue
		}
		lead := s[:i]
		if pend != nil && strings.TrimLeft(lead, " \t\r\n") == "" {
			lead = "" // between two encoded words
		} else {
			lead = gap + lead
		}
		if lead != "" || !strings.EqualFold(cs, pendCS) {
			flush()
			out.WriteString(raw8bit(lead))
		}
		pendCS = cs
		pend = append(pend, data...)
		if pend == nil {
			pend = []byte{}
		}
		s = s[i+n:]
		ws := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
		gap, s = s[:ws], s[ws:]
	}
	flush()
	out.WriteString(gap + raw8bit(s))
	return out.String()
}

// parseWord reads "=?charset?enc?text?=" at the start of s and returns the
// charset, the decoded bytes and the word's length.
func parseWord(s string) (cs string, data []byte, n int, ok bool) {
	rest := s[2:]
	if len(rest) > maxWordLen {
		// RFC 2047 words are at most 75 characters; the bound keeps a
		// value full of stray "=?" linear to scan.
		rest = rest[:maxWordLen]
	}
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' {
		return "", nil, 0, false
	}
	cs, enc := rest[:q1], rest[q1+1]
	text := rest[q1+3:]
	end := strings.Index(text, "?=")
	if end < 0 || strings.ContainsAny(text[:end], " \t\r\n") && !isQ(enc) {
		return "", nil, 0, false
	}
	text = text[:end]
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i] // RFC 2231 section 5 language suffix
	}
	switch enc {
	case 'b', 'B':
		data = decodeBase64Lenient([]byte(text))
	case 'q', 'Q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	return cs, data, 2 + q1 + 3 + end + 2, true
}

// maxWordLen bounds the encoded words decodeWords reads, generously.
const maxWordLen = 1024

func isQ(c byte) bool { return c == 'q' || c == 'Q' }

// decodeQWord decodes the "Q" encoding of RFC 2047 section 4.2.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0:
			out = append(out, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// raw8bit returns s as UTF-8: unchanged when valid, else read as
// windows-1252.
func raw8bit(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			text, _ := toUTF8([]byte(s), "")
			return text
		}
	}
	return s
}
