package mailstore

import (
	"bytes"
	"encoding/binary"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// chunkBits sets how many email numbers share one postings key: 4096,
// so that a word found in every email of a 100,000-message account takes
// 25 keys, and a rare word one key of a few octets.
const chunkBits = 12

// postingKey is the ms_posting key of a word's chunk c.
func postingKey(a uint32, term []byte, c uint32) key {
	return newKey(a).str(string(term)).byte(0).u32(c)
}

// posting is an email holding a word, with the fields it was found in;
// fields 0 in an update takes the email out.
type posting struct {
	e      uint64
	fields byte
}

// decodeChunk calls fn with each posting of chunk c, in ascending email
// order. A chunk is a run of uvarints, each the gap from the previous
// email (from the chunk's first number for the first one) shifted left
// by four, or'ed with the field bits.
func decodeChunk(v []byte, c uint32, fn func(e uint64, fields byte)) error {
	e := uint64(c) << chunkBits
	for len(v) > 0 {
		x, n := binary.Uvarint(v)
		if n <= 0 {
			return errCorrupt
		}
		v = v[n:]
		e += x >> 4
		fn(e, byte(x&0xf))
	}
	return nil
}

func encodeChunk(c uint32, ps []posting) []byte {
	out := make([]byte, 0, 2*len(ps))
	prev := uint64(c) << chunkBits
	for _, p := range ps {
		out = binary.AppendUvarint(out, (p.e-prev)<<4|uint64(p.fields&0xf))
		prev = p.e
	}
	return out
}

// mergeChunk applies updates (ascending, one per email) to the postings
// of an encoded chunk.
func mergeChunk(old []byte, c uint32, updates []posting) ([]byte, error) {
	var cur []posting
	if err := decodeChunk(old, c, func(e uint64, f byte) {
		cur = append(cur, posting{e, f})
	}); err != nil {
		return nil, err
	}
	out := make([]posting, 0, len(cur)+len(updates))
	i, j := 0, 0
	for i < len(cur) || j < len(updates) {
		switch {
		case j == len(updates) || i < len(cur) && cur[i].e < updates[j].e:
			out = append(out, cur[i])
			i++
		default:
			if i < len(cur) && cur[i].e == updates[j].e {
				i++
			}
			if updates[j].fields != 0 {
				out = append(out, updates[j])
			}
			j++
		}
	}
	return encodeChunk(c, out), nil
}

// mergePostings brings the postings of account a up to date with up to
// limit pending emails (all when limit is 0) and reports how many it
// merged.
func mergePostings(tx store.Tx, a uint32, limit int) (int, error) {
	type pending struct {
		e  uint64
		op byte
	}
	var ops []pending
	r := store.Prefix(newKey(a))
	r.Limit = limit
	err := tx.Scan(spaceTermPending, r, func(k, v []byte) error {
		if len(k) == 12 && len(v) == 1 {
			ops = append(ops, pending{be64(k[4:]), v[0]})
		}
		return nil
	})
	if err != nil || len(ops) == 0 {
		return 0, err
	}
	byTerm := map[string][]posting{}
	for _, o := range ops {
		b, err := tx.Get(spaceDocTerms, emailKey(a, o.e))
		if isNotFound(err) {
			continue
		} else if err != nil {
			return 0, err
		}
		err = decodeDocTerms(b, func(t []byte, f byte) {
			if o.op == pendingRemove {
				f = 0
			}
			byTerm[string(t)] = append(byTerm[string(t)], posting{o.e, f})
		})
		if err != nil {
			return 0, err
		}
	}
	terms := make([]string, 0, len(byTerm))
	for t := range byTerm {
		terms = append(terms, t)
	}
	sort.Strings(terms)
	for _, t := range terms {
		if err := updatePostings(tx, a, []byte(t), byTerm[t]); err != nil {
			return 0, err
		}
	}
	for _, o := range ops {
		if err := tx.Delete(spaceTermPending, pendingKey(a, o.e)); err != nil {
			return 0, err
		}
		if o.op == pendingRemove {
			if err := tx.Delete(spaceDocTerms, emailKey(a, o.e)); err != nil {
				return 0, err
			}
		}
	}
	return len(ops), nil
}

// updatePostings applies updates, ascending by email, to a word's chunks.
func updatePostings(tx store.Tx, a uint32, term []byte, updates []posting) error {
	for i := 0; i < len(updates); {
		c := uint32(updates[i].e >> chunkBits)
		j := i + 1
		for j < len(updates) && uint32(updates[j].e>>chunkBits) == c {
			j++
		}
		k := postingKey(a, term, c)
		old, err := tx.Get(spacePosting, k)
		if err != nil && !isNotFound(err) {
			return err
		}
		v, err := mergeChunk(old, c, updates[i:j])
		if err != nil {
			return err
		}
		if len(v) == 0 {
			err = tx.Delete(spacePosting, k)
		} else {
			err = tx.Put(spacePosting, k, v)
		}
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// searchTerm returns the emails holding a word starting with prefix (the
// word itself when exact) in one of the fields: those of the postings,
// and those of the pending emails' word lists.
func searchTerm(tx store.Tx, a uint32, prefix string, fields byte, exact bool) (emailSet, error) {
	out := emailSet{}
	p := newKey(a).str(prefix)
	if exact {
		p = p.byte(0)
	}
	err := tx.Scan(spacePosting, store.Prefix(p), func(k, v []byte) error {
		if len(k) < len(p)+4 || k[len(k)-5] != 0 {
			return nil
		}
		c := binary.BigEndian.Uint32(k[len(k)-4:])
		return decodeChunk(v, c, func(e uint64, f byte) {
			if f&fields != 0 {
				out.add(e)
			}
		})
	})
	if err != nil {
		return nil, err
	}
	var adds []uint64
	err = tx.Scan(spaceTermPending, store.Prefix(newKey(a)), func(k, v []byte) error {
		if len(k) == 12 && len(v) == 1 && v[0] == pendingAdd {
			adds = append(adds, be64(k[4:]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pb := []byte(prefix)
	for _, e := range adds {
		b, err := tx.Get(spaceDocTerms, emailKey(a, e))
		if isNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		err = decodeDocTerms(b, func(t []byte, f byte) {
			if f&fields != 0 && bytes.HasPrefix(t, pb) && (!exact || len(t) == len(pb)) {
				out.add(e)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
