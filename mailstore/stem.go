package mailstore

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball"
)

// stemMark starts the index terms that are stems rather than words: a
// word whose stem differs from it is indexed under both. No word holds
// the mark, so stems never match a word search.
const stemMark = "\x01"

// Stem languages of Options.StemLanguage, those of the Snowball
// stemmers.
var stemLanguages = map[string]bool{"english": true, "french": true, "spanish": true,
	"russian": true, "swedish": true, "norwegian": true, "hungarian": true}

// stemmer reduces folded words to their stems in one language.
type stemmer struct{ lang string }

// newStemmer returns the stemmer of lang, nil for "none".
func newStemmer(lang string) (*stemmer, error) {
	if lang == "none" {
		return nil, nil
	}
	if !stemLanguages[lang] {
		return nil, fmt.Errorf("mailstore: no stemmer for language %q", lang)
	}
	return &stemmer{lang: lang}, nil
}

// minStemRunes is the shortest word stemmed: shorter ones are their own
// stems in every language served.
const minStemRunes = 4

// stem returns the stem of a folded word, or "" when it has none of its
// own: short words, words holding digits or ideographs, and words equal
// to their stem.
func (st *stemmer) stem(w string) string {
	if st == nil || utf8.RuneCountInString(w) < minStemRunes {
		return ""
	}
	for _, r := range w {
		if !unicode.IsLetter(r) || isIdeograph(r) {
			return ""
		}
	}
	s, err := snowball.Stem(w, st.lang, true)
	if err != nil || s == w || s == "" {
		return ""
	}
	return s
}
