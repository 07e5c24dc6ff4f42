package spamfilter

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// The classifier's spaces. Keys begin with the scope: an account name,
// or globalScope for the counts shared by all, written with
// store.AppendString.
const (
	// spaceTokens maps scope + token hash to the token's spam and ham
	// message counts.
	spaceTokens store.Space = "spam_bayes_tokens"
	// spaceTotals maps scope to its trained spam and ham message counts.
	spaceTotals store.Space = "spam_bayes_totals"
	// spaceSeen maps scope + message digest to the class it was trained
	// as, so that a message counts once and can be untrained.
	spaceSeen store.Space = "spam_bayes_seen"
)

// globalScope names the shared counts. No account has an empty name.
const globalScope = ""

// counts are spam and ham message counts.
type counts struct{ spam, ham uint64 }

func tokenKey(scope string, t token) []byte {
	return store.AppendUint64(store.AppendString(nil, scope), uint64(t))
}

func totalsKey(scope string) []byte { return store.AppendString(nil, scope) }

func seenKey(scope string, digest []byte) []byte {
	return append(store.AppendString(nil, scope), digest...)
}

// readCounts reads a counts value; a missing key is zero counts.
func readCounts(tx store.Tx, space store.Space, key []byte) (counts, error) {
	v, err := tx.Get(space, key)
	if errors.Is(err, store.ErrNotFound) {
		return counts{}, nil
	}
	if err != nil {
		return counts{}, fmt.Errorf("read %s: %w", space, err)
	}
	s, n1 := binary.Uvarint(v)
	h, n2 := binary.Uvarint(v[max(n1, 0):])
	if n1 <= 0 || n2 <= 0 {
		return counts{}, fmt.Errorf("read %s: %w", space, store.ErrBadKey)
	}
	return counts{s, h}, nil
}

// addCounts adds delta (+1 or -1) to the spam or ham count under key,
// never going below zero, and deletes the key when both reach zero.
func addCounts(tx store.Tx, space store.Space, key []byte, spam bool, delta int) error {
	c, err := readCounts(tx, space, key)
	if err != nil {
		return err
	}
	p := &c.ham
	if spam {
		p = &c.spam
	}
	switch {
	case delta > 0:
		*p++
	case *p > 0:
		*p--
	}
	if c.spam == 0 && c.ham == 0 {
		return tx.Delete(space, key)
	}
	v := binary.AppendUvarint(binary.AppendUvarint(nil, c.spam), c.ham)
	return tx.Put(space, key, v)
}
