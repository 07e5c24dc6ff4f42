package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeTx collects writes; they reach the fake database on commit only.
type fakeTx struct{ writes []int }

func (tx *fakeTx) put(n int) { tx.writes = append(tx.writes, n) }

// fakeDB is a database whose transactions commit one group each.
type fakeDB struct {
	mu        sync.Mutex
	committed map[int]bool
	groups    []int // functions written per commit
	runs      int   // bodies run
	// gate, when set, holds each commit until it is closed.
	gate chan struct{}
	// commitErr, when set, fails every commit.
	commitErr error
	// conflicts makes the first runs of a body conflict, as a
	// serialisation failure would, and run again.
	conflicts int
}

// holding reports whether a commit has run its functions and waits at
// the gate.
func (d *fakeDB) holding() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runs > 0
}

func newFakeDB() *fakeDB { return &fakeDB{committed: map[int]bool{}} }

func (d *fakeDB) exec(body func(*fakeTx) error) error {
	for {
		tx := &fakeTx{}
		err := body(tx)
		d.mu.Lock()
		d.runs++
		retry := d.conflicts > 0
		if retry {
			d.conflicts--
		}
		d.mu.Unlock()
		if retry {
			continue
		}
		if err != nil {
			return err
		}
		if d.gate != nil {
			<-d.gate
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.commitErr != nil {
			return d.commitErr
		}
		for _, n := range tx.writes {
			d.committed[n] = true
		}
		d.groups = append(d.groups, len(tx.writes))
		return nil
	}
}

// TestFailureDoesNotFailOthers runs concurrent calls, every third of
// which fails after writing: the failures leave nothing behind and get
// their own error; the others commit.
func TestFailureDoesNotFailOthers(t *testing.T) {
	d := newFakeDB()
	b := New(d.exec, 0)
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = b.Do(context.Background(), func(tx *fakeTx) error {
				tx.put(i)
				if i%3 == 0 {
					return fmt.Errorf("call %d: %w", i, errBad)
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		switch {
		case i%3 == 0 && (!errors.Is(errs[i], errBad) || d.committed[i]):
			t.Errorf("call %d: err %v, committed %v; want its error, nothing kept",
				i, errs[i], d.committed[i])
		case i%3 != 0 && (errs[i] != nil || !d.committed[i]):
			t.Errorf("call %d: err %v, committed %v; want committed", i, errs[i], d.committed[i])
		}
	}
}

var errBad = errors.New("bad")

// TestGroups holds the first commit so that the calls arriving meanwhile
// queue, and checks that they then share commits of at most maxGroup.
func TestGroups(t *testing.T) {
	d := newFakeDB()
	d.gate = make(chan struct{})
	b := New(d.exec, 4)
	first := make(chan error, 1)
	go func() {
		first <- b.Do(context.Background(), func(tx *fakeTx) error { tx.put(-1); return nil })
	}()
	waitFor(t, d.holding)

	const n = 10
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := b.Do(context.Background(), func(tx *fakeTx) error {
				tx.put(i)
				return nil
			}); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == n })
	close(d.gate)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if len(d.committed) != n+1 {
		t.Fatalf("%d writes committed, want %d", len(d.committed), n+1)
	}
	// One commit for the first call, then groups of 4, 4 and 2.
	if want := []int{1, 4, 4, 2}; fmt.Sprint(d.groups) != fmt.Sprint(want) {
		t.Errorf("commits carried %v functions, want %v", d.groups, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCommitErrorReachesAll checks that a failed commit is the result of
// every call in its group.
func TestCommitErrorReachesAll(t *testing.T) {
	d := newFakeDB()
	d.commitErr = errors.New("disk full")
	b := New(d.exec, 0)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := b.Do(context.Background(), func(tx *fakeTx) error { tx.put(i); return nil })
			if !errors.Is(err, d.commitErr) {
				t.Errorf("call %d: %v, want the commit error", i, err)
			}
		})
	}
	wg.Wait()
}

// TestRetriedRunCounts makes the body conflict twice: the functions run
// again and only the last run decides.
func TestRetriedRunCounts(t *testing.T) {
	d := newFakeDB()
	d.conflicts = 2
	b := New(d.exec, 0)
	calls := 0
	err := b.Do(context.Background(), func(tx *fakeTx) error {
		calls++
		tx.put(7)
		if calls < 3 {
			return errBad // as a statement hitting a serialisation failure
		}
		return nil
	})
	if err != nil || !d.committed[7] || calls != 3 {
		t.Errorf("err %v, committed %v, runs %d; want nil, true, 3", err, d.committed[7], calls)
	}
}

// TestPanic checks that a panic reaches its own caller only.
func TestPanic(t *testing.T) {
	d := newFakeDB()
	b := New(d.exec, 0)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			defer func() {
				if v := recover(); (v != nil) != (i == 5) || (v != nil && v != "boom") {
					t.Errorf("call %d recovered %v", i, v)
				}
			}()
			err := b.Do(context.Background(), func(tx *fakeTx) error {
				if i == 5 {
					panic("boom")
				}
				tx.put(i)
				return nil
			})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if len(d.committed) != 9 {
		t.Errorf("%d committed, want 9", len(d.committed))
	}
}

// TestCancelledWhileQueued checks that a call whose context ends before
// its group starts is not run.
func TestCancelledWhileQueued(t *testing.T) {
	d := newFakeDB()
	d.gate = make(chan struct{})
	b := New(d.exec, 0)
	first := make(chan error, 1)
	go func() { first <- b.Do(context.Background(), func(tx *fakeTx) error { return nil }) }()
	waitFor(t, d.holding)

	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	ran := make(chan bool, 1)
	go func() {
		queued <- b.Do(ctx, func(tx *fakeTx) error { ran <- true; return nil })
	}()
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.pending) == 1 })
	cancel()
	close(d.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
	select {
	case <-ran:
		t.Error("cancelled call ran")
	default:
	}
}
