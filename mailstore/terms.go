package mailstore

import (
	"errors"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// termKey is the ms_term key of a word in email e.
func termKey(a uint32, term string, e uint64) key {
	return newKey(a).str(term).byte(0).u64(e)
}

// indexTerms adds the words of email e to the full-text index and keeps
// the list so that destroying the email can take them out.
func (w *writer) indexTerms(e uint64, terms map[string]byte) error {
	a := w.acct.num
	list := make([]string, 0, len(terms))
	for t := range terms {
		list = append(list, t)
	}
	sort.Strings(list)
	for _, t := range list {
		if err := w.tx.Put(spaceTerm, termKey(a, t, e), []byte{terms[t]}); err != nil {
			return err
		}
	}
	var d enc
	d.byte(1)
	d.strs(list)
	return w.tx.Put(spaceDocTerms, emailKey(a, e), d.b)
}

func (w *writer) unindexTerms(e uint64) error {
	a := w.acct.num
	b, err := w.tx.Get(spaceDocTerms, emailKey(a, e))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	d := dec{b: b}
	d.version(1)
	list := d.strs()
	if d.err != nil {
		return d.err
	}
	for _, t := range list {
		if err := w.tx.Delete(spaceTerm, termKey(a, t, e)); err != nil {
			return err
		}
	}
	return w.tx.Delete(spaceDocTerms, emailKey(a, e))
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

// and keeps in es only the members of other.
func (es emailSet) and(other emailSet) emailSet {
	es = es[:min(len(es), len(other))]
	for i := range es {
		es[i] &= other[i]
	}
	return es
}

// searchTerm returns the emails holding a word starting with prefix in
// one of the fields.
func searchTerm(tx store.Tx, a uint32, prefix string, fields byte) (emailSet, error) {
	out := emailSet{}
	p := newKey(a).str(prefix)
	err := tx.Scan(spaceTerm, store.Prefix(p), func(k, v []byte) error {
		if len(k) < len(p)+9 || len(v) != 1 || v[0]&fields == 0 {
			return nil
		}
		out.add(be64(k[len(k)-8:]))
		return nil
	})
	return out, err
}

// docTerms reads the indexed words of email e, with their fields, into
// terms.
func (w *writer) docTerms(e uint64, terms map[string]byte) error {
	a := w.acct.num
	b, err := w.tx.Get(spaceDocTerms, emailKey(a, e))
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	d := dec{b: b}
	d.version(1)
	list := d.strs()
	if d.err != nil {
		return d.err
	}
	for _, t := range list {
		v, err := w.tx.Get(spaceTerm, termKey(a, t, e))
		if err != nil {
			return err
		}
		if len(v) == 1 {
			terms[t] = v[0]
		}
	}
	return nil
}
