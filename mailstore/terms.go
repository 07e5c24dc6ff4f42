package mailstore

import (
	"errors"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// The full-text index has two parts. Each email's words, with the fields
// they were found in, are one record in ms_doc_terms, written with the
// email. The postings in ms_posting map a word to the emails holding it,
// a chunk of email numbers per key; they are brought up to date in
// batches rather than with each email, because writing one key per word
// of every message multiplies a delivery's writes a thousandfold. An
// email whose postings are not merged yet is listed in ms_term_pending,
// and searches read its word list directly.

// mergeEvery makes every email number divisible by it merge the pending
// postings of its account: searches then never read the word lists of
// more than about that many emails.
const mergeEvery = 128

// Operations of a pending email.
const (
	pendingAdd    byte = 1 // words to add to the postings
	pendingRemove byte = 2 // email destroyed: words to take out
)

// docTerm is a word of an email and the fields it occurs in.
type docTerm struct {
	term   string
	fields byte
}

// encodeDocTerms encodes the word list of an email: sorted words, each
// stored as the length of the prefix it shares with the previous word
// and the rest, followed by its field bits.
func encodeDocTerms(terms map[string]byte) []byte {
	list := make([]string, 0, len(terms))
	for t := range terms {
		list = append(list, t)
	}
	sort.Strings(list)
	var d enc
	d.byte(2)
	d.uvarint(uint64(len(list)))
	prev := ""
	for _, t := range list {
		n := sharedPrefix(prev, t)
		d.uvarint(uint64(n))
		d.str(t[n:])
		d.byte(terms[t])
		prev = t
	}
	return d.b
}

func sharedPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// decodeDocTerms calls fn with each word of an encoded word list, in
// order; the word is valid only during the call.
func decodeDocTerms(b []byte, fn func(term []byte, fields byte)) error {
	d := dec{b: b}
	d.version(2)
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
	}
	var cur []byte
	for i := uint64(0); i < n && d.err == nil; i++ {
		keep := d.uvarint()
		rest := d.uvarint()
		if keep > uint64(len(cur)) || rest > uint64(len(d.b)) {
			d.fail()
			break
		}
		cur = append(cur[:keep], d.raw(int(rest))...)
		f := d.byte()
		if d.err == nil {
			fn(cur, f)
		}
	}
	return d.err
}

func pendingKey(a uint32, e uint64) key { return emailKey(a, e) }

// indexTerms records the words of email e and marks it pending, merging
// the account's pending postings when e falls on mergeEvery.
func (w *writer) indexTerms(e uint64, terms map[string]byte) error {
	a := w.acct.num
	if err := w.tx.Put(spaceDocTerms, emailKey(a, e), encodeDocTerms(terms)); err != nil {
		return err
	}
	if err := w.tx.Put(spaceTermPending, pendingKey(a, e), []byte{pendingAdd}); err != nil {
		return err
	}
	if e%mergeEvery == 0 {
		_, err := mergePostings(w.tx, a, 0)
		return err
	}
	return nil
}

// unindexTerms takes email e out of the index: at once when its postings
// were never merged, else at the next merge.
func (w *writer) unindexTerms(e uint64) error {
	a := w.acct.num
	op, err := w.tx.Get(spaceTermPending, pendingKey(a, e))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case len(op) == 1 && op[0] == pendingAdd:
		if err := w.tx.Delete(spaceTermPending, pendingKey(a, e)); err != nil {
			return err
		}
		return w.tx.Delete(spaceDocTerms, emailKey(a, e))
	default:
		return nil
	}
	// Merged: its words leave the postings at the next merge, which also
	// deletes the word list (and skips an email that never had one).
	return w.tx.Put(spaceTermPending, pendingKey(a, e), []byte{pendingRemove})
}

// docTerms reads the indexed words of email e, with their fields, into
// terms.
func (w *writer) docTerms(e uint64, terms map[string]byte) error {
	b, err := w.tx.Get(spaceDocTerms, emailKey(w.acct.num, e))
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	return decodeDocTerms(b, func(t []byte, f byte) { terms[string(t)] = f })
}

// emailSet is a set of email numbers as a bitmap: an account's numbers
// are dense, so a set of 100,000 emails takes 12.5 KB.
type emailSet []uint64

func (es *emailSet) add(e uint64) {
	w := int(e / 64)
	if w >= len(*es) {
		*es = append(*es, make([]uint64, w+1-len(*es))...)
	}
	(*es)[w] |= 1 << (e % 64)
}

func (es emailSet) has(e uint64) bool {
	w := e / 64
	return w < uint64(len(es)) && es[w]&(1<<(e%64)) != 0
}

// or adds the members of other to es.
func (es emailSet) or(other emailSet) emailSet {
	if len(other) > len(es) {
		es = append(es, make([]uint64, len(other)-len(es))...)
	}
	for i, w := range other {
		es[i] |= w
	}
	return es
}

// and keeps in es only the members of other.
func (es emailSet) and(other emailSet) emailSet {
	es = es[:min(len(es), len(other))]
	for i := range es {
		es[i] &= other[i]
	}
	return es
}
