package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
)

// TestGroupFailures runs many concurrent Updates, every third of which
// fails: the failures must leave nothing behind and the others must all
// commit, although they share transactions.
func TestGroupFailures(t *testing.T) {
	db := openTemp(t, bolt.Options{})
	ctx := context.Background()
	const n = 90
	errBad := errors.New("bad")
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i] = db.Update(ctx, func(tx store.Tx) error {
				if err := tx.Put("group", fmt.Appendf(nil, "k%03d", i), []byte("v")); err != nil {
					return err
				}
				if _, err := tx.Add("group_ctr", []byte("n"), 1); err != nil {
					return err
				}
				if i%3 == 0 {
					return errBad
				}
				return nil
			})
		})
	}
	wg.Wait()
	err := db.View(ctx, func(tx store.Tx) error {
		for i := range n {
			_, err := tx.Get("group", fmt.Appendf(nil, "k%03d", i))
			switch {
			case i%3 == 0 && !errors.Is(results[i], errBad):
				t.Errorf("Update %d returned %v, want its own error", i, results[i])
			case i%3 == 0 && err == nil:
				t.Errorf("failed Update %d left its write", i)
			case i%3 != 0 && (results[i] != nil || err != nil):
				t.Errorf("Update %d: %v, write %v", i, results[i], err)
			}
		}
		c, err := tx.Counter("group_ctr", []byte("n"))
		if err != nil || c != n*2/3 {
			t.Errorf("counter = %d, %v; want %d", c, err, n*2/3)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroupPanic checks that a panic in one Update reaches its caller
// and does not disturb the others.
func TestGroupPanic(t *testing.T) {
	db := openTemp(t, bolt.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Go(func() {
			defer func() {
				v := recover()
				if (v != nil) != (i == 5) {
					errs <- fmt.Errorf("Update %d: recovered %v", i, v)
				}
			}()
			err := db.Update(ctx, func(tx store.Tx) error {
				if i == 5 {
					panic("boom")
				}
				return tx.Put("p", []byte{byte(i)}, nil)
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	err := db.View(ctx, func(tx store.Tx) error {
		n := 0
		err := tx.Scan("p", store.Range{}, func(k, v []byte) error { n++; return nil })
		if n != 9 {
			t.Errorf("%d Updates committed, want 9", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCancelledWhileQueued checks that an Update whose context ends
// before its turn is not run.
func TestCancelledWhileQueued(t *testing.T) {
	db := openTemp(t, bolt.Options{})
	release := make(chan struct{})
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Update(context.Background(), func(tx store.Tx) error {
			select {
			case <-started:
			default:
				close(started)
			}
			<-release
			return nil
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	ran := false
	go func() {
		queued <- db.Update(ctx, func(tx store.Tx) error { ran = true; return nil })
	}()
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	err := <-queued
	if err == nil && ran {
		return // it was taken into a group before the cancel: fine
	}
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("cancelled Update: err %v, ran %v; want context.Canceled, not run", err, ran)
	}
}
