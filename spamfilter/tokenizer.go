package spamfilter

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token limits: words outside [minWordLen, maxWordLen] runes are not
// tokens of their own; a message gives at most maxTokens distinct tokens.
const (
	minWordLen = 3
	maxWordLen = 40
	maxTokens  = 3000
)

// token is a hashed word: the store keeps hashes, not words, so that the
// counts hold no readable mail text and keys have a fixed size.
type token uint64

// tokenize returns the distinct tokens of a message: words of the
// subject (marked as such) and of the body text, the From domain, and
// the hosts of URLs.
func tokenize(c *content) []token {
	t := newTokenSet()
	t.words("s:", c.msg.Subject)
	t.words("", c.bodyText())
	for _, a := range c.msg.From {
		if a.Host != "" {
			t.add("from:" + strings.ToLower(a.Host))
		}
	}
	for _, u := range c.urls {
		t.add("url:" + u.host)
	}
	return t.list
}

// tokenSet gathers distinct tokens in order of first appearance.
type tokenSet struct {
	seen map[token]bool
	list []token
}

func newTokenSet() *tokenSet { return &tokenSet{seen: map[token]bool{}} }

func (t *tokenSet) add(word string) {
	if len(t.list) >= maxTokens {
		return
	}
	h := fnv.New64a()
	h.Write([]byte(word))
	tok := token(h.Sum64())
	if !t.seen[tok] {
		t.seen[tok] = true
		t.list = append(t.list, tok)
	}
}

// words splits text into words at anything that is not a letter, digit
// or one of the joiners "'$-.!" inside a word, folds them to lower case
// and adds them with prefix. A word too long to be one is replaced by a
// marker of its first letter and length, as long base64 or junk strings
// tell about a message only by being there.
func (t *tokenSet) words(prefix, text string) {
	for _, w := range strings.FieldsFunc(text, wordBreak) {
		w = strings.Trim(w, "'-.!")
		n := utf8.RuneCountInString(w)
		switch {
		case n < minWordLen:
			continue
		case n > maxWordLen:
			r, _ := utf8.DecodeRuneInString(w)
			t.add(prefix + "skip:" + string(unicode.ToLower(r)) + strconv.Itoa(n/10*10))
			continue
		case allDigits(w) && n > 6:
			continue
		}
		t.add(prefix + strings.ToLower(w))
		if len(t.list) >= maxTokens {
			return
		}
	}
}

func wordBreak(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	return !strings.ContainsRune("'$-.!", r)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
