package mailstore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
)

// checkSort refuses sort keys it does not know.
func (x *queryExec) checkSort() error {
	for _, c := range x.q.Sort {
		switch c.Key {
		case SortReceived, SortSize, SortSent, SortSubject, SortFrom, SortTo, SortCc:
		default:
			return fmt.Errorf("sort key %q: %w", c.Key, ErrInvalidQuery)
		}
	}
	return nil
}

// sortViews returns the order of the candidates under the query's
// comparators, ties broken by UID in a mailbox or email number otherwise,
// so that equal keys keep arrival order (RFC 5256 section 3 ties by
// sequence number). It sorts indexes, not the candidates, on keys
// extracted first: numbers as they are, strings by their first eight
// octets, with the whole strings compared only on a tie.
func (x *queryExec) sortViews(vs []view) []int32 {
	order := make([]int32, len(vs))
	for i := range order {
		order[i] = int32(i)
	}
	keys := make([][]int64, len(x.q.Sort))
	for k, c := range x.q.Sort {
		keys[k] = make([]int64, len(vs))
		for i := range vs {
			keys[k][i] = sortPrefix(c.Key, &vs[i])
		}
	}
	slices.SortFunc(order, func(i, j int32) int {
		for k, c := range x.q.Sort {
			r := cmp.Compare(keys[k][i], keys[k][j])
			if r == 0 && isStringKey(c.Key) {
				r = bytes.Compare(stringKey(c.Key, &vs[i]), stringKey(c.Key, &vs[j]))
			}
			if c.Descending {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		if x.scope != 0 {
			return cmp.Compare(vs[i].uid, vs[j].uid)
		}
		return cmp.Compare(vs[i].e, vs[j].e)
	})
	return order
}

func isStringKey(k SortKey) bool {
	return k == SortSubject || k == SortFrom || k == SortTo || k == SortCc
}

func stringKey(k SortKey, v *view) []byte {
	switch k {
	case SortSubject:
		return v.baseSubj
	case SortFrom:
		return v.sortFrom
	case SortTo:
		return v.sortTo
	case SortCc:
		return v.sortCc
	}
	return nil
}

// sortPrefix returns a number that orders like the key: the value of a
// numeric key, the first eight octets of a string key as a big-endian
// number, shifted into the signed range.
func sortPrefix(k SortKey, v *view) int64 {
	switch k {
	case SortReceived:
		return v.received
	case SortSize:
		return v.size
	case SortSent:
		return v.sent
	}
	var buf [8]byte
	copy(buf[:], stringKey(k, v))
	return int64(binary.BigEndian.Uint64(buf[:]) ^ 1<<63)
}
