package mailstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// Threads follow RFC 8621 section 3, which leaves the algorithm to the
// server: an email joins the thread of any message whose Message-ID it
// references (In-Reply-To, References), or which references its own
// Message-ID, provided both have the same base subject (RFC 5256 section
// 2.1, case-folded). Otherwise it starts a thread. Threads are never merged
// after the fact, so a thread id, once given, stays.

// threadKeyOf is the ms_thread_key key of a message id.
func threadKeyOf(a uint32, msgID string) key {
	h := sha256.Sum256([]byte(msgID))
	return newKey(a).bytes(h[:16])
}

func (w *writer) thread(t uint64) (*threadRec, error) {
	b, err := w.tx.Get(spaceThread, threadKey(w.acct.num, t))
	if err != nil {
		return nil, err
	}
	rec, err := decodeThread(b)
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// joinThread finds or starts the thread of a new email and records it.
func (w *writer) joinThread(rec *emailRec, e uint64, msgIDs []string, hint uint64) error {
	t, th, err := w.findThread(rec, msgIDs, hint)
	if err != nil {
		return err
	}
	op := opUpdated
	if th == nil {
		n, err := w.nextID(ctrThread)
		if err != nil {
			return err
		}
		t, th, op = n, &threadRec{baseSubj: rec.baseSubj}, opCreated
	}
	rec.thread = t
	if err := w.registerThreadKeys(t, msgIDs); err != nil {
		return err
	}
	th.members = append(th.members, threadMember{rec.received, e})
	sort.Slice(th.members, func(i, j int) bool {
		mi, mj := th.members[i], th.members[j]
		return mi.received < mj.received || mi.received == mj.received && mi.email < mj.email
	})
	if err := w.tx.Put(spaceThread, threadKey(w.acct.num, t), th.encode()); err != nil {
		return err
	}
	return w.log(KindThread, t, op)
}

// findThread returns the existing thread a new email belongs to: the hint
// when it still exists, else the first thread known by one of the message
// ids whose base subject is the email's. It returns a nil record when
// there is none.
func (w *writer) findThread(rec *emailRec, msgIDs []string,
	hint uint64) (uint64, *threadRec, error) {
	if hint != 0 {
		th, err := w.thread(hint)
		if err == nil {
			return hint, th, nil
		} else if !isNotFound(err) {
			return 0, nil, err
		}
	}
	tried := map[uint64]bool{}
	for _, id := range msgIDs {
		b, err := w.tx.Get(spaceThreadKey, threadKeyOf(w.acct.num, id))
		if isNotFound(err) {
			continue
		} else if err != nil {
			return 0, nil, err
		}
		if len(b) != 8 || tried[be64(b)] {
			continue
		}
		t := be64(b)
		tried[t] = true
		th, err := w.thread(t)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return 0, nil, err
		}
		if th.baseSubj == rec.baseSubj {
			return t, th, nil
		}
	}
	return 0, nil, nil
}

// registerThreadKeys maps message ids not yet known, or known for a thread
// that no longer exists, to thread t.
func (w *writer) registerThreadKeys(t uint64, msgIDs []string) error {
	a := w.acct.num
	for _, id := range msgIDs {
		k := threadKeyOf(a, id)
		b, err := w.tx.Get(spaceThreadKey, k)
		if err == nil && len(b) == 8 {
			if _, err := w.tx.Get(spaceThread, threadKey(a, be64(b))); err == nil {
				continue
			}
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := w.tx.Put(spaceThreadKey, k, binary.BigEndian.AppendUint64(nil, t)); err != nil {
			return err
		}
	}
	return nil
}

// leaveThread removes email e from its thread, destroying the thread when
// it empties.
func (w *writer) leaveThread(rec *emailRec, e uint64) error {
	a := w.acct.num
	th, err := w.thread(rec.thread)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	out := th.members[:0]
	for _, m := range th.members {
		if m.email != e {
			out = append(out, m)
		}
	}
	th.members = out
	if len(out) == 0 {
		if err := w.tx.Delete(spaceThread, threadKey(a, rec.thread)); err != nil {
			return err
		}
		return w.log(KindThread, rec.thread, opDestroyed)
	}
	if err := w.tx.Put(spaceThread, threadKey(a, rec.thread), th.encode()); err != nil {
		return err
	}
	return w.log(KindThread, rec.thread, opUpdated)
}

// Thread returns the emails of a thread, oldest first by received date
// (RFC 8621 section 3.1).
func (s *Store) Thread(ctx context.Context, account string, id ThreadID) ([]EmailID, error) {
	var out []EmailID
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		t, ok := id.num()
		if !ok {
			return ErrNotFound
		}
		b, err := tx.Get(spaceThread, threadKey(a.num, t))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		th, err := decodeThread(b)
		if err != nil {
			return err
		}
		out = make([]EmailID, len(th.members))
		for i, m := range th.members {
			out[i] = emailID(m.email)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get thread %s: %w", id, err)
	}
	return out, nil
}
