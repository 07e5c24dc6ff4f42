package mailstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/bulwarkmail/bulwark/store"
)

// HighestModSeq returns the account's highest MODSEQ, which is also its
// JMAP state for every type (RFC 8620 section 5.1).
func (s *Store) HighestModSeq(ctx context.Context, account string) (uint64, error) {
	var q uint64
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		var err error
		q, err = tx.Counter(spaceCounter, newKey(a.num).byte(ctrModSeq))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("highest modseq of %s: %w", account, err)
	}
	return q, nil
}

// Changes lists the ids of emails, mailboxes and threads created, updated
// and destroyed after MODSEQ since (RFC 8620 section 5.2 /changes). At
// most max ids are listed (max <= 0: no limit); the changes of one MODSEQ
// are never split, so when they alone exceed max the answer is
// ErrTooManyChanges. An object created and destroyed within the range is
// left out; one created and updated is listed as created. ErrChangesTrimmed
// is returned when since is older than the change log kept, or newer than
// the account's state.
func (s *Store) Changes(ctx context.Context, account string, since uint64,
	max int) (Changes, error) {
	return s.ChangesOf(ctx, account, KindEmail|KindMailbox|KindThread, since, max)
}

// ChangesOf is Changes restricted to the kinds in kinds, so that max
// counts only those (JMAP Email/changes, Mailbox/changes, Thread/changes).
func (s *Store) ChangesOf(ctx context.Context, account string, kinds Kind, since uint64,
	max int) (Changes, error) {
	var out Changes
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		var err error
		out, err = readChanges(tx, a, kinds, since, max)
		return err
	})
	if err != nil {
		return Changes{}, fmt.Errorf("changes of %s since %d: %w", account, since, err)
	}
	return out, nil
}

// objState follows one object through the change log.
type objState struct {
	kind        Kind
	id          uint64
	first, last changeOp
	countsOnly  bool
}

func readChanges(tx store.Tx, a accountRec, kinds Kind, since uint64, max int) (Changes, error) {
	high, err := tx.Counter(spaceCounter, newKey(a.num).byte(ctrModSeq))
	if err != nil {
		return Changes{}, err
	}
	if since < a.trimmed || since > high {
		return Changes{}, ErrChangesTrimmed
	}
	out := Changes{Since: since, NewState: high}
	var order []*objState
	objs := map[changeKey]*objState{}
	var group []changeRow // rows of the MODSEQ being read
	var groupQ uint64
	flush := func() error {
		if max > 0 && len(objs)+countNew(group, objs) > max {
			if len(objs) == 0 {
				return ErrTooManyChanges
			}
			out.HasMore, out.NewState = true, groupQ-1
			return store.ErrStop
		}
		for _, r := range group {
			order = mergeRow(objs, order, r)
		}
		group = group[:0]
		return nil
	}
	start := newKey(a.num).u64(since + 1)
	err = tx.Scan(spaceChange, store.Range{Start: start, End: store.PrefixEnd(newKey(a.num))},
		func(k, v []byte) error {
			r, err := decodeChangeRow(k, v)
			if err != nil {
				return err
			}
			if r.kind&kinds == 0 {
				return nil
			}
			if r.q != groupQ && len(group) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			groupQ = r.q
			group = append(group, r)
			return nil
		})
	if err == nil && len(group) > 0 && !out.HasMore {
		err = flush()
	}
	if err != nil && err != store.ErrStop {
		return Changes{}, err
	}
	fillChanges(&out, order)
	return out, nil
}

// changeRow is one decoded entry of the change log.
type changeRow struct {
	q    uint64
	kind Kind
	id   uint64
	op   changeOp
}

func decodeChangeRow(k, v []byte) (changeRow, error) {
	if len(k) != 4+8+1+8 || len(v) < 2 || v[0] != changeFormat {
		return changeRow{}, errCorrupt
	}
	return changeRow{q: be64(k[4:]), kind: Kind(k[12]), id: be64(k[13:]),
		op: changeOp(v[1])}, nil
}

// countNew counts the objects of a group not yet among objs.
func countNew(group []changeRow, objs map[changeKey]*objState) int {
	n := 0
	seen := map[changeKey]bool{}
	for _, r := range group {
		ck := changeKey{r.kind, r.id}
		if objs[ck] == nil && !seen[ck] {
			seen[ck] = true
			n++
		}
	}
	return n
}

func mergeRow(objs map[changeKey]*objState, order []*objState, r changeRow) []*objState {
	ck := changeKey{r.kind, r.id}
	o := objs[ck]
	if o == nil {
		o = &objState{kind: r.kind, id: r.id, first: r.op, countsOnly: true}
		objs[ck] = o
		order = append(order, o)
	}
	o.last = r.op
	if r.op != opCounts {
		o.countsOnly = false
	}
	return order
}

func fillChanges(out *Changes, order []*objState) {
	countsOnly := true
	for _, o := range order {
		created := o.first == opCreated
		destroyed := o.last == opDestroyed
		if created && destroyed {
			continue
		}
		var list int // 0 created, 1 updated, 2 destroyed
		switch {
		case destroyed:
			list = 2
		case !created:
			list = 1
		}
		switch o.kind {
		case KindEmail:
			addChange(&out.Emails, emailID(o.id), list)
		case KindMailbox:
			addChange(&out.Mailboxes, mailboxID(uint32(o.id)), list)
			if list == 1 && !o.countsOnly {
				countsOnly = false
			}
		case KindThread:
			addChange(&out.Threads, threadID(o.id), list)
		}
	}
	out.MailboxCountsOnly = countsOnly && len(out.Mailboxes.Updated) > 0
}

func addChange[T ~string](cs *ChangeSet[T], id T, list int) {
	switch list {
	case 0:
		cs.Created = append(cs.Created, id)
	case 1:
		cs.Updated = append(cs.Updated, id)
	default:
		cs.Destroyed = append(cs.Destroyed, id)
	}
}

// Vanished returns the UIDs expunged from a mailbox after MODSEQ since, in
// ascending order (RFC 7162 section 3.2.10, QRESYNC). It returns
// ErrChangesTrimmed when since is older than the expunges kept; the caller
// then falls back to the client's known UIDs (RFC 7162 section 3.2.5.2).
func (s *Store) Vanished(ctx context.Context, account string, mbox MailboxID,
	since uint64) ([]uint32, error) {
	var out []uint32
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		out = nil
		mb, err := readMailbox(tx, a.num, mbox)
		if err != nil {
			return err
		}
		if since < a.trimmed {
			return ErrChangesTrimmed
		}
		m, _ := mb.ID.num()
		start := mailboxKey(a.num, m).u64(since + 1)
		end := store.PrefixEnd(mailboxKey(a.num, m))
		return tx.Scan(spaceVanished, store.Range{Start: start, End: end},
			func(k, _ []byte) error {
				out = append(out, be32(k[16:]))
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("vanished from %s since %d: %w", mbox, since, err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ChangedSince returns the messages of a mailbox whose MODSEQ is greater
// than since, in ascending UID order (RFC 7162 section 3.1.4, FETCH
// CHANGEDSINCE); it reads an index by MODSEQ, not the whole mailbox.
func (s *Store) ChangedSince(ctx context.Context, account string, mbox MailboxID,
	since uint64) ([]Entry, error) {
	var out []Entry
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		out = nil
		mb, err := readMailbox(tx, a.num, mbox)
		if err != nil {
			return err
		}
		m, _ := mb.ID.num()
		start := mailboxKey(a.num, m).u64(since + 1)
		end := store.PrefixEnd(mailboxKey(a.num, m))
		var uids []uint32
		err = tx.Scan(spaceModSeq, store.Range{Start: start, End: end},
			func(k, _ []byte) error {
				uids = append(uids, be32(k[16:]))
				return nil
			})
		if err != nil {
			return err
		}
		slices.Sort(uids)
		var ed entryDecoder
		for _, uid := range uids {
			b, err := tx.Get(spaceUID, uidKey(a.num, m, uid))
			if err != nil {
				return err
			}
			ent, err := ed.decode(b)
			if err != nil {
				return err
			}
			out = append(out, ent.entry(uid))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changed in %s since %d: %w", mbox, since, err)
	}
	return out, nil
}
