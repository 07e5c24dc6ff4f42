package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"github.com/bulwarkmail/bulwark/store"
)

// batcher groups concurrent Updates into shared commits. There is no
// timer: the first Update to arrive at an idle batcher commits at once,
// and those that arrive while it syncs form the next group. One waiting
// caller at a time leads, running a commit for everyone queued.
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

var callPool = sync.Pool{New: func() any { return &call{wake: make(chan struct{}, 1)} }}

// errFailed rolls back a group's transaction after one function failed.
var errFailed = errors.New("bolt: function failed")

// panicked carries a panic out of a group to its caller's goroutine.
type panicked struct{ v any }

func (p panicked) Error() string { return fmt.Sprintf("bolt: panic in Update: %v", p.v) }

func (b *batcher) run(ctx context.Context, fn func(store.Tx) error) error {
	c := callPool.Get().(*call)
	c.ctx, c.fn, c.err, c.lead = ctx, fn, nil, false
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
	err := c.err
	c.ctx, c.fn = nil, nil
	callPool.Put(c)
	if p, ok := err.(panicked); ok {
		panic(p.v)
	}
	return err
}

// lead commits the queued calls (its own call comes first), then hands
// the lead to the next waiting caller, if any.
func (b *batcher) lead() {
	b.mu.Lock()
	n := min(len(b.pending), b.db.opts.MaxBatch)
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

// commit runs group in one bbolt transaction. A failing function is
// dropped from the group and the others run again without it.
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
	for len(live) > 0 {
		failed := -1
		var ferr error
		err := b.db.db.Update(func(btx *bbolt.Tx) error {
			for i, c := range live {
				if ferr = runFn(btx, c.fn); ferr != nil {
					failed = i
					return errFailed
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range live {
				finish(c, err)
			}
			return
		}
		finish(live[failed], ferr)
		live = append(live[:failed], live[failed+1:]...)
	}
}

// runFn runs one caller's function, turning a panic into an error that
// the caller re-raises in its own goroutine.
func runFn(btx *bbolt.Tx, fn func(store.Tx) error) (err error) {
	tx := txn{btx: btx}
	defer func() {
		tx.end()
		if v := recover(); v != nil {
			err = panicked{v}
		}
	}()
	return fn(&tx)
}
