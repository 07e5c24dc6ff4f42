package mailstore

import (
	"context"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// IndexReport is what CheckIndex found in one account's full-text index.
type IndexReport struct {
	// Emails counts the account's emails, Words the words of their word
	// lists, and Pending the emails whose postings are not merged yet.
	Emails, Words, Pending int
	// Problems describes each disagreement between the emails, their
	// word lists and the postings; empty when the index is sound.
	Problems []string
}

// maxIndexProblems caps IndexReport.Problems.
const maxIndexProblems = 20

func (r *IndexReport) problem(format string, args ...any) {
	if len(r.Problems) < maxIndexProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// CheckIndex reads an account's full-text index and checks that every
// email has a word list and is found under each of its words with the
// right fields, merged or pending, and that the postings name no email
// the account does not hold. It reads the whole index of the account in
// one transaction; a host runs it after an upgrade or to diagnose search.
func (s *Store) CheckIndex(ctx context.Context, account string) (IndexReport, error) {
	var r IndexReport
	err := s.kv.View(ctx, func(tx store.Tx) error {
		r = IndexReport{}
		a, err := getAccount(tx, account)
		if err != nil {
			return err
		}
		return checkIndex(tx, a.num, &r)
	})
	if err != nil {
		return r, fmt.Errorf("check index of %s: %w", account, err)
	}
	return r, nil
}

func checkIndex(tx store.Tx, a uint32, r *IndexReport) error {
	prefix := store.Prefix(newKey(a))
	live := map[uint64]bool{}
	err := tx.Scan(spaceEmail, prefix, func(k, _ []byte) error {
		live[be64(k[4:])] = true
		return nil
	})
	if err != nil {
		return err
	}
	r.Emails = len(live)
	pending := map[uint64]byte{}
	err = tx.Scan(spaceTermPending, prefix, func(k, v []byte) error {
		if len(k) != 12 || len(v) != 1 {
			r.problem("pending record %x malformed", k)
			return nil
		}
		pending[be64(k[4:])] = v[0]
		return nil
	})
	if err != nil {
		return err
	}
	r.Pending = len(pending)
	// want holds, for every merged live email, its words and fields.
	want := map[string]map[uint64]byte{}
	docs := map[uint64]bool{}
	err = tx.Scan(spaceDocTerms, prefix, func(k, v []byte) error {
		e := be64(k[4:])
		docs[e] = true
		op, isPending := pending[e]
		switch {
		case !live[e] && op != pendingRemove:
			r.problem("email %d: word list without email", e)
		case live[e] && isPending && op != pendingAdd:
			r.problem("email %d: live but pending removal", e)
		}
		return decodeDocTerms(v, func(t []byte, f byte) {
			r.Words++
			if live[e] && !isPending {
				m := want[string(t)]
				if m == nil {
					m = map[uint64]byte{}
					want[string(t)] = m
				}
				m[e] = f
			}
		})
	})
	if err != nil {
		return err
	}
	for e := range live {
		if !docs[e] {
			r.problem("email %d: no word list", e)
		}
	}
	err = tx.Scan(spacePosting, prefix, func(k, v []byte) error {
		if len(k) < 4+1+5 || k[len(k)-5] != 0 {
			r.problem("posting key %x malformed", k)
			return nil
		}
		term := string(k[4 : len(k)-5])
		c := be32(k[len(k)-4:])
		m := want[term]
		return decodeChunk(v, c, func(e uint64, f byte) {
			switch wf, ok := m[e]; {
			case ok && wf == f:
				delete(m, e)
			case ok:
				r.problem("word %q email %d: fields %b, want %b", term, e, f, wf)
				delete(m, e)
			case pending[e] == pendingRemove:
			default:
				r.problem("word %q names email %d, which does not hold it", term, e)
			}
		})
	})
	if err != nil {
		return err
	}
	for term, m := range want {
		for e := range m {
			r.problem("word %q of email %d missing from the postings", term, e)
		}
	}
	return nil
}
