package mailstore

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// Field bits of a term in the full-text index: where in the message the
// word was found.
const (
	fieldBody    byte = 1 << iota // text parts
	fieldSubject                  // Subject
	fieldAddress                  // From, To, Cc, Bcc names and addresses
	fieldAttach                   // attachment file names
)

// maxTermLen caps the octets of an indexed word; longer runs (base64 left
// in a text part, long identifiers) are not words anyone searches for.
const maxTermLen = 48

// folder case-folds text for matching (Unicode full case folding, so that
// "Straße" matches "STRASSE"). A cases.Caser is not safe for concurrent
// use, so each operation makes its own.
type folder struct{ c cases.Caser }

func newFolder() *folder { return &folder{c: cases.Fold()} }

func (f *folder) fold(s string) string {
	if isLowerASCII(s) {
		return s
	}
	return f.c.String(s)
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// isIdeograph reports whether r belongs to a script written without spaces
// between words; each such character is indexed as a word of its own.
func isIdeograph(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// tokenize calls fn with each word of folded text s: runs of letters,
// digits and combining marks, ideographs one by one. Words of a single
// character other than ideographs are skipped unless keepShort is set.
func tokenize(s string, keepShort bool, fn func(word string)) {
	start := -1
	emit := func(end int) {
		w := s[start:end]
		start = -1
		if len(w) > maxTermLen {
			return
		}
		if !keepShort && utf8.RuneCountInString(w) < 2 {
			return
		}
		fn(w)
	}
	for i, r := range s {
		switch {
		case isIdeograph(r):
			if start >= 0 {
				emit(i)
			}
			fn(s[i : i+utf8.RuneLen(r)])
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				emit(i)
			}
		}
	}
	if start >= 0 {
		emit(len(s))
	}
}

// queryWords returns the distinct words of a full-text search string.
func queryWords(f *folder, s string) []string {
	var out []string
	seen := map[string]bool{}
	tokenize(f.fold(s), true, func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	})
	return out
}
