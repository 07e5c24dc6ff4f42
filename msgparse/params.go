package msgparse

import (
	"sort"
	"strconv"
	"strings"
)

// parseParamValue parses a header value of the form
// value *(";" attribute "=" value), as Content-Type (RFC 2045 section 5.1)
// and Content-Disposition (RFC 2183) have. Parameter names are lower-case;
// RFC 2231 continuations are joined and their charsets decoded, and
// RFC 2047 encoded words, which many senders put in quoted values, are
// decoded too. It is lenient: missing semicolons, unquoted values with
// spaces, comments and unbalanced quotes are read as well as they can be.
func parseParamValue(v string) (string, map[string]string) {
	sc := paramScanner{s: v}
	value := sc.leading()
	var raw []rawParam
	for len(raw) < maxParams {
		name, val, ok := sc.param()
		if !ok {
			break
		}
		if name != "" && val != "" {
			raw = append(raw, rawParam{name: name, value: val})
		}
	}
	if len(raw) == 0 {
		return value, nil
	}
	return value, joinParams(raw)
}

// maxParams bounds the parameters read from one field.
const maxParams = 256

// paramScanner walks a parameterised header value.
type paramScanner struct {
	s string
	i int
}

// leading returns the value before the parameters: up to a semicolon, or
// up to white space that is followed by "name=".
func (sc *paramScanner) leading() string {
	var b strings.Builder
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == ';':
			sc.i++
			return strings.TrimSpace(b.String())
		case c == '(':
			_, n := readComment(sc.s[sc.i:])
			sc.i += n
		case isWSP(c):
			if sc.spaceRun(&b) {
				return strings.TrimSpace(b.String())
			}
		default:
			b.WriteByte(c)
			sc.i++
		}
	}
	return strings.TrimSpace(b.String())
}

// spaceRun passes a run of white space, copying it to b, unless a
// "name=" follows it: then it reports true.
func (sc *paramScanner) spaceRun(b *strings.Builder) bool {
	j := sc.i
	for j < len(sc.s) && isWSP(sc.s[j]) {
		j++
	}
	if sc.nameAt(j) {
		sc.i = j
		return true
	}
	b.WriteString(sc.s[sc.i:j])
	sc.i = j
	return false
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// nameAt reports whether a token and "=" start at j.
func (sc *paramScanner) nameAt(j int) bool {
	k := j
	for k < len(sc.s) && isTokenChar(sc.s[k]) {
		k++
	}
	for k < len(sc.s) && isWSP(sc.s[k]) {
		k++
	}
	return k > j && k < len(sc.s) && sc.s[k] == '='
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte(`()<>@,;:\"/[]?=`, c) < 0 ||
		c == '*'
}

// param reads the next "name=value"; name is empty for junk that is
// skipped. ok is false at the end.
func (sc *paramScanner) param() (name, value string, ok bool) {
	sc.skip()
	if sc.i >= len(sc.s) {
		return "", "", false
	}
	start := sc.i
	for sc.i < len(sc.s) && sc.s[sc.i] != '=' && sc.s[sc.i] != ';' {
		sc.i++
	}
	name = strings.ToLower(strings.TrimSpace(stripComments(sc.s[start:sc.i])))
	if sc.i >= len(sc.s) || sc.s[sc.i] == ';' {
		return "", "", true // a word without "=": skip it
	}
	sc.i++ // "="
	for sc.i < len(sc.s) && isWSP(sc.s[sc.i]) {
		sc.i++
	}
	if sc.i < len(sc.s) && sc.s[sc.i] == '"' {
		v, n := readQuoted(sc.s[sc.i:])
		sc.i += n
		return name, v, true
	}
	return name, sc.tokenValue(), true
}

// tokenValue reads an unquoted value up to a semicolon or to white space
// followed by another "name=".
func (sc *paramScanner) tokenValue() string {
	var b strings.Builder
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == ';':
			return strings.TrimSpace(b.String())
		case c == '(':
			_, n := readComment(sc.s[sc.i:])
			sc.i += n
			continue
		case isWSP(c):
			if sc.spaceRun(&b) {
				return strings.TrimSpace(b.String())
			}
			continue
		}
		b.WriteByte(c)
		sc.i++
	}
	return strings.TrimSpace(b.String())
}

// skip passes white space, semicolons and comments.
func (sc *paramScanner) skip() {
	for sc.i < len(sc.s) {
		switch c := sc.s[sc.i]; {
		case isWSP(c) || c == ';':
			sc.i++
		case c == '(':
			_, n := readComment(sc.s[sc.i:])
			sc.i += n
		default:
			return
		}
	}
}

type rawParam struct{ name, value string }

// section is one RFC 2231 piece of a parameter.
type section struct {
	n       int
	encoded bool
	value   string
}

// joinParams applies RFC 2231 sections 3 and 4: "name*n" continuations
// are joined in order, "name*" and "name*n*" values are percent-decoded in
// the charset named by the first section. An extended value wins over a
// plain one of the same name.
func joinParams(raw []rawParam) map[string]string {
	params := make(map[string]string, len(raw))
	var ext map[string][]section
	for _, rp := range raw {
		base, sec, isExt := splitExtName(rp.name, rp.value)
		if !isExt {
			if _, dup := params[base]; !dup {
				params[base] = rp.value
				if base != "boundary" && strings.Contains(rp.value, "=?") {
					params[base] = decodeWords(rp.value)
				}
			}
			continue
		}
		if ext == nil {
			ext = map[string][]section{}
		}
		ext[base] = append(ext[base], sec)
	}
	for base, secs := range ext {
		if v, ok := decodeSections(secs); ok {
			params[base] = v
		}
	}
	return params
}

// splitExtName parses "name*", "name*n" or "name*n*".
func splitExtName(name, value string) (string, section, bool) {
	i := strings.IndexByte(name, '*')
	if i <= 0 {
		return name, section{}, false
	}
	base, rest := name[:i], name[i+1:]
	sec := section{value: value}
	if rest == "" {
		sec.encoded = true
		return base, sec, true
	}
	if strings.HasSuffix(rest, "*") {
		sec.encoded = true
		rest = rest[:len(rest)-1]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > 10000 {
		return name, section{}, false
	}
	sec.n = n
	return base, sec, true
}

// decodeSections joins the sections 0, 1, ... up to the first gap and
// decodes the result.
func decodeSections(secs []section) (string, bool) {
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].n < secs[j].n })
	if secs[0].n != 0 {
		return "", false
	}
	var charset string
	var buf []byte
	for i, s := range secs {
		if s.n != i {
			break
		}
		v := s.value
		if i == 0 && s.encoded {
			// charset'language'value; a value without the two quotes is
			// taken as it is.
			if cs, rest, ok := strings.Cut(v, "'"); ok {
				if _, val, ok := strings.Cut(rest, "'"); ok {
					charset, v = cs, val
				}
			}
		}
		if i > 0 && s.encoded && charset != "" &&
			len(v) > len(charset) && strings.EqualFold(v[:len(charset)+1], charset+"'") {
			// A charset repeated on a later section, which RFC 2231
			// does not allow but some senders write.
			v = v[len(charset)+1:]
		}
		if s.encoded {
			buf = appendPercentDecoded(buf, v)
		} else {
			buf = append(buf, v...)
		}
	}
	text, _ := toUTF8(buf, charset)
	return text, true
}

// appendPercentDecoded decodes %XX escapes, keeping malformed ones.
func appendPercentDecoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, l := unhex(s[i+1]), unhex(s[i+2]); h >= 0 && l >= 0 {
				dst = append(dst, byte(h<<4|l))
				i += 2
				continue
			}
		}
		dst = append(dst, s[i])
	}
	return dst
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
