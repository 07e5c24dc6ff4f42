package queue

import (
	"context"
	"encoding/binary"
	"errors"
	"sort"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// scanBatch bounds the due messages read per scheduler pass.
const scanBatch = 256

// schedule hands due messages to the workers until Shutdown.
func (q *Queue) schedule() {
	defer q.wg.Done()
	defer close(q.work)
	for {
		next, err := q.dispatch()
		if err != nil {
			q.opts.Logger.Error("queue scan failed", "err", err)
		}
		wait := q.opts.PollInterval
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(q.opts.Now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-q.stop:
			t.Stop()
			return
		case <-q.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// due is one index entry.
type due struct {
	id   string
	prio byte
	at   time.Time
}

// dispatch sends due messages to idle workers, highest priority first,
// and returns when the next message falls due (zero when unknown).
func (q *Queue) dispatch() (time.Time, error) {
	now := q.opts.Now()
	var ready []due
	var next time.Time
	err := q.opts.KV.View(q.runCtx, func(tx store.Tx) error {
		ready, next = ready[:0], time.Time{}
		r := store.Range{Limit: scanBatch}
		return tx.Scan(dueSpace, r, func(k, v []byte) error {
			if len(k) < 9 || len(v) != 1 {
				return nil
			}
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k)))
			if at.After(now) {
				next = at
				return store.ErrStop
			}
			ready = append(ready, due{id: string(k[8:]), prio: v[0], at: at})
			return nil
		})
	})
	if err != nil {
		return time.Time{}, err
	}
	sort.SliceStable(ready, func(i, j int) bool { return ready[i].prio > ready[j].prio })
	for _, d := range ready {
		if !q.take(d.id) {
			continue
		}
		// Wait for a free worker; new mail (a wake) may outrank the rest
		// of this batch, so it ends the pass.
		select {
		case q.work <- d.id:
		case <-q.wake:
			q.done(d.id)
			return now, nil
		case <-q.stop:
			q.done(d.id)
			return next, nil
		}
	}
	if len(ready) == scanBatch {
		return now, nil
	}
	return next, nil
}

// take marks id in flight in this instance; false if it already is.
func (q *Queue) take(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.inflight[id] {
		return false
	}
	q.inflight[id] = true
	return true
}

func (q *Queue) done(id string) {
	q.mu.Lock()
	delete(q.inflight, id)
	q.mu.Unlock()
}

// worker delivers the messages the scheduler hands it.
func (q *Queue) worker() {
	defer q.wg.Done()
	for id := range q.work {
		q.process(id)
		q.done(id)
	}
}

// claim leases a due message to this node. It returns nil when the
// message is gone, not due, or leased by a live worker elsewhere.
func (q *Queue) claim(ctx context.Context, id string) (*Message, error) {
	var m *Message
	err := q.opts.KV.Update(ctx, func(tx store.Tx) error {
		m = nil
		cur, err := load(tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := q.opts.Now()
		if cur.Due.After(now) {
			return nil
		}
		if cur.LeaseOwner != "" && cur.LeaseOwner != q.opts.Node &&
			cur.LeaseUntil.After(now) {
			return nil
		}
		old := cur.Due
		cur.LeaseOwner, cur.LeaseUntil = q.opts.Node, now.Add(q.opts.LeaseTime)
		cur.Due = cur.LeaseUntil
		m = cur
		return save(tx, cur, old)
	})
	return m, err
}

// releaseOwnLeases makes messages this node had leased before a restart
// due again at once.
func (q *Queue) releaseOwnLeases(ctx context.Context) error {
	var mine []string
	err := q.opts.KV.View(ctx, func(tx store.Tx) error {
		return tx.Scan(msgSpace, store.Range{}, func(k, v []byte) error {
			m, err := decode(k, v)
			if err == nil && m.LeaseOwner == q.opts.Node {
				mine = append(mine, m.ID)
			}
			return err
		})
	})
	if err != nil {
		return err
	}
	for _, id := range mine {
		err := q.opts.KV.Update(ctx, func(tx store.Tx) error {
			m, err := load(tx, id)
			if err != nil {
				return err
			}
			old := m.Due
			m.LeaseOwner, m.LeaseUntil = "", time.Time{}
			m.Due = m.nextDue()
			return save(tx, m, old)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
