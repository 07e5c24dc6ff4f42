// Package groupcommit merges concurrent write transactions into shared
// commits, as the store adapters need them: one commit and one sync for
// many callers, while each caller still commits or rolls back on its own.
//
// There is no timer. The first call to arrive at an idle Batcher runs at
// once; the calls that arrive while it commits queue up and form the next
// group, which one of them leads. A function that fails is taken out of
// its group and the others run again without it, so a function may run
// more than once and must not keep side effects outside its transaction.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Exec runs body in one new transaction: it commits when body returns
// nil and rolls back when it does not. It returns body's error when body
// failed, else the outcome of the commit. Exec may run body again, to
// retry a conflict; only its last run counts.
type Exec[T any] func(body func(tx T) error) error

// Batcher groups concurrent calls of Do into shared transactions. Make
// one with New; it is safe for concurrent use.
type Batcher[T any] struct {
	exec Exec[T]
	max  int

	mu      sync.Mutex
	pending []*call[T]
	busy    bool
	pool    sync.Pool
}

// call is one Do waiting in the batcher.
type call[T any] struct {
	ctx  context.Context
	fn   func(T) error
	err  error
	lead bool
	wake chan struct{}
}

// New returns a Batcher that commits through exec, with at most maxGroup
// functions in one transaction (default 100).
func New[T any](exec Exec[T], maxGroup int) *Batcher[T] {
	if maxGroup <= 0 {
		maxGroup = 100
	}
	return &Batcher[T]{exec: exec, max: maxGroup}
}

// Panic carries a panic out of a group to the goroutine of the caller
// whose function panicked, where Do raises it again.
type Panic struct{ Value any }

func (p Panic) Error() string { return fmt.Sprintf("panic in grouped function: %v", p.Value) }

// Do runs fn in a transaction shared with other concurrent calls and
// returns fn's own error, or the error of the commit that carried it. A
// call whose context ends before its group starts is not run. A panic in
// fn is raised again in the caller's goroutine.
func (b *Batcher[T]) Do(ctx context.Context, fn func(T) error) error {
	c, _ := b.pool.Get().(*call[T])
	if c == nil {
		c = &call[T]{wake: make(chan struct{}, 1)}
	}
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
		b.leadGroup()
	}
	err := c.err
	c.ctx, c.fn, c.err = nil, nil, nil
	b.pool.Put(c)
	var p Panic
	if errors.As(err, &p) {
		panic(p.Value)
	}
	return err
}

// leadGroup commits the queued calls (the leader's own comes first), then
// hands the lead to the next waiting caller, if any.
func (b *Batcher[T]) leadGroup() {
	b.mu.Lock()
	n := min(len(b.pending), b.max)
	group := make([]*call[T], n)
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

// commit runs group in one transaction until it commits, dropping the
// functions that fail.
func (b *Batcher[T]) commit(group []*call[T]) {
	self := group[0]
	finish := func(c *call[T], err error) {
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
		err := b.exec(func(tx T) error {
			// A retried run starts over: only the last one counts.
			failed = -1
			for i, c := range live {
				if err := runFn(c.fn, tx); err != nil {
					failed = i
					return err
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
		finish(live[failed], err)
		live = append(live[:failed], live[failed+1:]...)
	}
}

// runFn runs one caller's function, turning a panic into a Panic error.
func runFn[T any](fn func(T) error, tx T) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Panic{v}
		}
	}()
	return fn(tx)
}
