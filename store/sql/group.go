package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// batcher groups concurrent Updates into shared transactions, as
// store/bolt does: the first Update to arrive at an idle batcher runs at
// once, and those that arrive meanwhile form the next group, which one
// of them leads. A group commits with one round trip and one sync at the
// database, and Updates drawing from the same counter no longer queue
// one commit each. A function that fails is dropped from its group and
// the others run again without it; a conflict runs the whole group
// again.
type batcher struct {
	db      *DB
	mu      sync.Mutex
	pending []*call
	busy    bool
}

// call is one Update waiting in the batcher.
type call struct {
	ctx  context.Context
	fn   func(store.Tx) error
	err  error
	lead bool
	wake chan struct{}
}

// maxGroup bounds the Updates of one group.
const maxGroup = 100

// panicked carries a panic out of a group to its caller's goroutine.
type panicked struct{ v any }

func (p panicked) Error() string { return fmt.Sprintf("sql: panic in Update: %v", p.v) }

func (b *batcher) run(ctx context.Context, fn func(store.Tx) error) error {
	c := &call{ctx: ctx, fn: fn, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	if b.busy {
		b.mu.Unlock()
		<-c.wake
	} else {
		b.busy = true
		c.lead = true
		b.mu.Unlock()
	}
	if c.lead {
		b.lead()
	}
	if p, ok := c.err.(panicked); ok {
		panic(p.v)
	}
	return c.err
}

// lead runs the queued calls (its own first), then hands the lead to
// the next waiting caller, if any.
func (b *batcher) lead() {
	b.mu.Lock()
	n := min(len(b.pending), maxGroup)
	group := make([]*call, n)
	copy(group, b.pending)
	rest := copy(b.pending, b.pending[n:])
	clear(b.pending[rest:])
	b.pending = b.pending[:rest]
	b.mu.Unlock()

	b.commit(group)

	b.mu.Lock()
	if len(b.pending) > 0 {
		next := b.pending[0]
		next.lead = true
		next.wake <- struct{}{}
	} else {
		b.busy = false
	}
	b.mu.Unlock()
}

// commit runs group in one transaction until it commits, retrying
// conflicts and dropping functions that fail.
func (b *batcher) commit(group []*call) {
	self := group[0]
	finish := func(c *call, err error) {
		c.err = err
		if c != self {
			c.wake <- struct{}{}
		}
	}
	live := group[:0]
	for _, c := range group {
		if err := c.ctx.Err(); err != nil {
			finish(c, fmt.Errorf("update: %w", err))
			continue
		}
		live = append(live, c)
	}
	var stripes []int
	conflicts := 0
	for len(live) > 0 {
		failed := -1
		var ferr error
		conflict, touched, err := b.db.runWrite(context.Background(), func(tx store.Tx) error {
			for i, c := range live {
				if ferr = runCall(c.fn, tx); ferr != nil {
					failed = i
					return ferr
				}
			}
			return nil
		}, stripes)
		stripes = append(stripes, touched...)
		switch {
		case conflict && conflicts >= b.db.opts.MaxRetries:
			for _, c := range live {
				finish(c, fmt.Errorf("%w: %w", store.ErrConflict, err))
			}
			return
		case conflict:
			conflicts++
			b.db.log.Debug("group conflict, retrying", "attempt", conflicts, "err", err)
			time.Sleep(time.Duration(rand.Int64N(int64(100*time.Microsecond) << min(conflicts, 7))))
		case failed >= 0:
			finish(live[failed], ferr)
			live = append(live[:failed], live[failed+1:]...)
		default:
			for _, c := range live {
				finish(c, err)
			}
			return
		}
	}
}

// runCall runs one caller's function, turning a panic into an error that
// the caller re-raises in its own goroutine.
func runCall(fn func(store.Tx) error, tx store.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return fn(tx)
}
