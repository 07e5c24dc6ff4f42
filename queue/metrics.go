package queue

import (
	"context"
	"maps"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// stats counts delivery outcomes since the queue started.
type stats struct {
	delivered int64
	failed    map[string]int64 // by enhanced status code
	deferred  map[string]int64
}

// Metrics describes the queue at one moment.
type Metrics struct {
	// Messages and Recipients count what is queued (recipients still to
	// deliver).
	Messages   int
	Recipients int
	// Oldest is the age of the oldest queued message; zero when empty.
	Oldest time.Duration
	// Delivered counts recipients delivered by this instance; Failed
	// and Deferred count permanent and temporary failures by enhanced
	// status code.
	Delivered int64
	Failed    map[string]int64
	Deferred  map[string]int64
}

// count adds the outcomes of one pass to the counters.
func (q *Queue) count(m *Message, outs []outcome) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stats.failed == nil {
		q.stats.failed, q.stats.deferred = map[string]int64{}, map[string]int64{}
	}
	for _, o := range outs {
		r := m.Recipients[o.idx]
		q.opts.Logger.Info("delivery attempt", "msg", m.ID, "rcpt", r.Address,
			"state", string(r.State), "status", r.Status, "remote", r.RemoteMTA,
			"attempts", r.Attempts)
		switch r.State {
		case Delivered:
			q.stats.delivered++
		case Failed:
			q.stats.failed[r.Status]++
		default:
			q.stats.deferred[r.Status]++
		}
	}
}

// Metrics returns the queue's size and age from the store and this
// instance's delivery counters.
func (q *Queue) Metrics(ctx context.Context) (Metrics, error) {
	var mt Metrics
	now := q.opts.Now()
	err := q.opts.KV.View(ctx, func(tx store.Tx) error {
		return tx.Scan(msgSpace, store.Range{}, func(k, v []byte) error {
			m, err := decode(k, v)
			if err != nil {
				return err
			}
			mt.Messages++
			for _, r := range m.Recipients {
				if r.State == Queued {
					mt.Recipients++
				}
			}
			mt.Oldest = max(mt.Oldest, now.Sub(m.Created))
			return nil
		})
	})
	q.mu.Lock()
	mt.Delivered = q.stats.delivered
	mt.Failed, mt.Deferred = maps.Clone(q.stats.failed), maps.Clone(q.stats.deferred)
	q.mu.Unlock()
	return mt, err
}
