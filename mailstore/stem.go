package mailstore

import (
	"fmt"
	"sync"
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

// stemmer reduces folded words to their stems in one language. A
// Snowball stem costs about a microsecond; words follow Zipf's law, so a
// cache of the recent ones answers most of them.
type stemmer struct {
	lang  string
	mu    sync.Mutex
	cache map[string]string // word -> stem, "" for none
}

// stemCacheSize caps the words the cache holds; when full it starts
// afresh.
const stemCacheSize = 1 << 16

// newStemmer returns the stemmer of lang, nil for "none".
func newStemmer(lang string) (*stemmer, error) {
	if lang == "none" {
		return nil, nil
	}
	if !stemLanguages[lang] {
		return nil, fmt.Errorf("mailstore: no stemmer for language %q", lang)
	}
	return &stemmer{lang: lang, cache: map[string]string{}}, nil
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
	st.mu.Lock()
	s, ok := st.cache[w]
	st.mu.Unlock()
	if ok {
		return s
	}
	s = st.compute(w)
	st.mu.Lock()
	if len(st.cache) >= stemCacheSize {
		clear(st.cache)
	}
	st.cache[w] = s
	st.mu.Unlock()
	return s
}

func (st *stemmer) compute(w string) string {
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
