package mailstore

import (
	"bytes"
	"context"
	"log/slog"

	"github.com/bulwarkmail/bulwark/store"
)

// NewMigrator returns the runner of the mailstore's layout migrations:
// Run upgrades a store written by an earlier release to LayoutCurrent in
// place, Plan says what that would do. New refuses a store until it has
// run.
func NewMigrator(logger *slog.Logger) *store.Migrator {
	return &store.Migrator{Component: LayoutComponent, Logger: logger,
		Steps: []store.Step{postingsStep()}}
}

// Layout 1 kept the full-text index as one key per word and email, and
// the word lists without their fields:
//
//	ms_term      a term 0x00 e -> field bits
//	ms_doc_terms a e           -> 0x01, the words (enc.strs)
//
// Layout 2 (terms.go, postings.go) keeps chunked postings in ms_posting
// and the fields in the word lists, and marks unmerged emails in
// ms_term_pending.
const spaceTermV1 store.Space = "ms_term"

// Batches of the postings step: word lists rewritten, then old index
// keys folded into chunks, per transaction.
const (
	postingsStepDocs = 200
	postingsStepKeys = 20000
)

// Phases of the postings step's cursor, its first byte; the rest is the
// last key done.
const (
	phaseDocs  = 'd'
	phaseTerms = 't'
)

func postingsStep() store.Step {
	return store.Step{
		Name:  "full-text index in chunked postings",
		From:  1,
		Count: countPostingsStep,
		Run:   runPostingsStep,
	}
}

// countPostingsStep counts the records the step reads or rewrites: the
// words of the word lists still in the old form, each read back from the
// old index, and the old index keys.
func countPostingsStep(ctx context.Context, tx store.Tx) (int64, error) {
	var n int64
	err := tx.Scan(spaceDocTerms, store.Range{}, func(_, v []byte) error {
		if len(v) > 0 && v[0] == 1 {
			d := dec{b: v[1:]}
			n += int64(d.uvarint())
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	err = tx.Scan(spaceTermV1, store.Range{}, func(_, _ []byte) error {
		n++
		return ctx.Err()
	})
	return n, err
}

// after returns the range of keys after k (all keys when k is empty).
func after(k []byte) store.Range {
	if len(k) == 0 {
		return store.Range{}
	}
	return store.Range{Start: append(bytes.Clone(k), 0)}
}

func runPostingsStep(ctx context.Context, tx store.Tx, cursor []byte) ([]byte, int, error) {
	if len(cursor) == 0 || cursor[0] == phaseDocs {
		var last []byte
		if len(cursor) > 0 {
			last = cursor[1:]
		}
		return rewriteWordLists(tx, last)
	}
	if cursor[0] != phaseTerms {
		return nil, 0, errCorrupt
	}
	return foldTermKeys(ctx, tx, cursor[1:])
}

// rewriteWordLists rewrites a batch of layout-1 word lists after last
// with the fields read from the old index, and reports their words.
func rewriteWordLists(tx store.Tx, last []byte) ([]byte, int, error) {
	type doc struct {
		k     []byte
		terms []string
	}
	words := 0
	var docs []doc
	r := after(last)
	r.Limit = postingsStepDocs
	scanned := 0
	err := tx.Scan(spaceDocTerms, r, func(k, v []byte) error {
		scanned++
		last = bytes.Clone(k)
		if len(v) == 0 || v[0] != 1 || len(k) != 12 {
			return nil
		}
		d := dec{b: v}
		d.version(1)
		terms := d.strs()
		if d.err != nil {
			return d.err
		}
		docs = append(docs, doc{bytes.Clone(k), terms})
		words += len(terms)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for _, d := range docs {
		a, e := be32(d.k), be64(d.k[4:])
		fields := make(map[string]byte, len(d.terms))
		for _, t := range d.terms {
			v, err := tx.Get(spaceTermV1, newKey(a).str(t).byte(0).u64(e))
			switch {
			case err == nil && len(v) == 1 && v[0] != 0:
				fields[t] = v[0]
			case err == nil || isNotFound(err):
				fields[t] = fieldBody
			default:
				return nil, 0, err
			}
		}
		if err := tx.Put(spaceDocTerms, d.k, encodeDocTerms(fields)); err != nil {
			return nil, 0, err
		}
	}
	if scanned < postingsStepDocs {
		return []byte{phaseTerms}, words, nil
	}
	return append([]byte{phaseDocs}, last...), words, nil
}

// foldTermKeys moves a batch of layout-1 index keys after last into
// chunked postings and deletes them; once none is left it records the
// layout of the spaces.
func foldTermKeys(ctx context.Context, tx store.Tx, last []byte) ([]byte, int, error) {
	var keys [][]byte
	var vals []byte // the field bits of each key
	r := after(last)
	r.Limit = postingsStepKeys
	err := tx.Scan(spaceTermV1, r, func(k, v []byte) error {
		keys = append(keys, bytes.Clone(k))
		f := byte(0)
		if len(v) == 1 {
			f = v[0]
		}
		vals = append(vals, f)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(keys) == 0 {
		return nil, 0, finishPostingsStep(tx)
	}
	for i := 0; i < len(keys); {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		k := keys[i]
		if len(k) < 4+1+9 || k[len(k)-9] != 0 {
			return nil, 0, errCorrupt
		}
		group := k[:len(k)-8] // account, term, 0x00
		var ups []posting
		j := i
		for ; j < len(keys) && bytes.HasPrefix(keys[j], group) && len(keys[j]) == len(k); j++ {
			if f := vals[j] & 0xf; f != 0 {
				ups = append(ups, posting{be64(keys[j][len(k)-8:]), f})
			}
		}
		a, term := be32(k), group[4:len(group)-1]
		if err := updatePostings(tx, a, term, ups); err != nil {
			return nil, 0, err
		}
		i = j
	}
	for _, k := range keys {
		if err := tx.Delete(spaceTermV1, k); err != nil {
			return nil, 0, err
		}
	}
	return append([]byte{phaseTerms}, keys[len(keys)-1]...), len(keys), nil
}

// finishPostingsStep records the layout-2 versions of the spaces the
// step changed.
func finishPostingsStep(tx store.Tx) error {
	if err := tx.Delete(spaceMeta, []byte(spaceTermV1)); err != nil {
		return err
	}
	for _, sp := range []store.Space{spaceDocTerms, spacePosting, spaceTermPending} {
		if err := tx.Put(spaceMeta, []byte(sp), []byte{layoutVersions[sp]}); err != nil {
			return err
		}
	}
	return nil
}
