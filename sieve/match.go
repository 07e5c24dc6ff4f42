package sieve

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// matcher is a prepared match: match type, comparator and relation,
// RFC 5228 section 2.7, RFC 5231 and the regex draft.
type matcher struct {
	typ      string // is, contains, matches, value, count, regex
	rel      string // gt ge lt le eq ne for value and count
	cmp      string // comparator name
	addrPart string // all, localpart, domain, user, detail
	// noCapture keeps match variables unchanged (the body test, RFC 5173
	// section 6).
	noCapture bool
	// keyIdx is the positional argument that holds the key list.
	keyIdx int
	// regexps holds the compiled patterns of constant regex keys.
	regexps []*regexp.Regexp
}

func knownComparator(name string) bool {
	switch name {
	case "i;octet", "i;ascii-casemap", "i;ascii-numeric", "i;unicode-casemap":
		return true
	}
	return false
}

// cmpCompare orders a and b under a comparator, RFC 4790 section 9.
func cmpCompare(cmp, a, b string) int {
	switch cmp {
	case "i;ascii-numeric":
		return numericCompare(a, b)
	case "i;ascii-casemap":
		return compareFoldASCII(a, b)
	case "i;unicode-casemap":
		return strings.Compare(unicodeFold(a), unicodeFold(b))
	}
	return strings.Compare(a, b)
}

func compareFoldASCII(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lowerByte(a[i]), lowerByte(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func unicodeFold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// numericCompare implements i;ascii-numeric, RFC 4790 section 9.1: a
// string without leading digits is positive infinity.
func numericCompare(a, b string) int {
	da, db := leadingDigits(a), leadingDigits(b)
	switch {
	case da == "" && db == "":
		return 0
	case da == "":
		return 1
	case db == "":
		return -1
	}
	da = strings.TrimLeft(da, "0")
	db = strings.TrimLeft(db, "0")
	if len(da) != len(db) {
		if len(da) < len(db) {
			return -1
		}
		return 1
	}
	return strings.Compare(da, db)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func relHolds(rel string, c int) bool {
	switch rel {
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	}
	return false
}

// foldFunc returns the per-character case folding of a comparator.
func foldFunc(cmp string) func(rune) rune {
	switch cmp {
	case "i;ascii-casemap":
		return func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}
	case "i;unicode-casemap":
		return func(r rune) rune {
			if r < utf8.RuneSelf {
				if r >= 'A' && r <= 'Z' {
					return r + 'a' - 'A'
				}
				return r
			}
			return []rune(unicodeFold(string(r)))[0]
		}
	}
	return nil
}

// contains reports whether key occurs in value under the comparator.
func cmpContains(cmp, value, key string) bool {
	switch cmp {
	case "i;ascii-casemap":
		return containsFoldASCII(value, key)
	case "i;unicode-casemap":
		return strings.Contains(unicodeFold(value), unicodeFold(key))
	}
	return strings.Contains(value, key)
}

// containsFoldASCII is strings.Contains with ASCII case folding, without
// allocating.
func containsFoldASCII(s, sub string) bool {
	if sub == "" {
		return true
	}
	lo, up := lowerByte(sub[0]), upperByte(sub[0])
	for i := 0; i+len(sub) <= len(s); i++ {
		c := s[i]
		if c != lo && c != up {
			continue
		}
		if equalFoldASCII(s[i+1:i+len(sub)], sub[1:]) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerByte(a[i]) != lowerByte(b[i]) {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func cmpEqual(cmp, value, key string) bool {
	switch cmp {
	case "i;ascii-casemap":
		return equalFoldASCII(value, key)
	case "i;ascii-numeric":
		return numericCompare(value, key) == 0
	case "i;unicode-casemap":
		return unicodeFold(value) == unicodeFold(key)
	}
	return value == key
}

// globMatch matches value against a :matches pattern, RFC 5228 section
// 2.7.1, returning the text matched by each wildcard when capture is set.
// Each '*' matches as little as possible, except that the pattern must
// reach the end of the value.
func globMatch(cmp, pattern, value string, capture bool) (bool, []string) {
	fold := foldFunc(cmp)
	segs := splitGlob(pattern)
	v := []rune(value)
	if fold != nil {
		for i, r := range v {
			v[i] = fold(r)
		}
		for i := range segs {
			for j := range segs[i] {
				if !segs[i][j].any {
					segs[i][j].r = fold(segs[i][j].r)
				}
			}
		}
	}
	orig := []rune(value)
	var caps []string
	// First segment is anchored at the start.
	pos := 0
	if !segMatchAt(segs[0], v, 0) {
		return false, nil
	}
	caps = appendQ(caps, segs[0], orig, 0, capture)
	pos = len(segs[0])
	if len(segs) == 1 {
		return pos == len(v), caps
	}
	last := segs[len(segs)-1]
	for _, seg := range segs[1 : len(segs)-1] {
		at := -1
		for k := pos; k+len(seg) <= len(v)-len(last); k++ {
			if segMatchAt(seg, v, k) {
				at = k
				break
			}
		}
		if at < 0 {
			return false, nil
		}
		if capture {
			caps = append(caps, string(orig[pos:at]))
		}
		caps = appendQ(caps, seg, orig, at, capture)
		pos = at + len(seg)
	}
	start := len(v) - len(last)
	if start < pos || !segMatchAt(last, v, start) {
		return false, nil
	}
	if capture {
		caps = append(caps, string(orig[pos:start]))
	}
	caps = appendQ(caps, last, orig, start, capture)
	return true, caps
}

type globChar struct {
	r   rune
	any bool // '?'
}

func splitGlob(p string) [][]globChar {
	segs := [][]globChar{nil}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			segs = append(segs, nil)
		case '?':
			segs[len(segs)-1] = append(segs[len(segs)-1], globChar{any: true})
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			segs[len(segs)-1] = append(segs[len(segs)-1], globChar{r: rs[i]})
		default:
			segs[len(segs)-1] = append(segs[len(segs)-1], globChar{r: rs[i]})
		}
	}
	return segs
}

func segMatchAt(seg []globChar, v []rune, at int) bool {
	if at+len(seg) > len(v) {
		return false
	}
	for i, g := range seg {
		if !g.any && g.r != v[at+i] {
			return false
		}
	}
	return true
}

func appendQ(caps []string, seg []globChar, orig []rune, at int, capture bool) []string {
	if !capture {
		return caps
	}
	for i, g := range seg {
		if g.any {
			caps = append(caps, string(orig[at+i]))
		}
	}
	return caps
}

// compileRegex compiles a :regex key, with case folding for the
// ascii-casemap and unicode-casemap comparators.
func compileRegex(cmp, key string) (*regexp.Regexp, error) {
	if cmp == "i;ascii-casemap" || cmp == "i;unicode-casemap" {
		key = "(?i)" + key
	}
	return regexp.Compile(key)
}

func itoa(n int) string { return strconv.Itoa(n) }

type regexpT = regexp.Regexp
