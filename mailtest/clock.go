package mailtest

import (
	"sync"
	"time"
)

// Clock is a controllable time source for code that takes a Now
// function, such as the queue's Options.Now, so that a test walks a
// retry schedule or an expiry in milliseconds. It only moves when told.
// Its methods are safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	onMove []func()
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time; pass the method value as a Now option.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative)
// and then calls the OnMove functions, such as the queue's Wake.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	fns := append([]func(){}, c.onMove...)
	c.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// Set moves the clock to t and calls the OnMove functions.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	d := t.Sub(c.now)
	c.mu.Unlock()
	c.Advance(d)
}

// OnMove registers f to run after each Advance or Set, outside the
// clock's lock: a scheduler that sleeps until a due time is woken there.
func (c *Clock) OnMove(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onMove = append(c.onMove, f)
}
