package storetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
)

const ctrSpace store.Space = "conformance_ctr"

func testCounters(t *testing.T, kv store.KV) {
	k := []byte("uid")
	update(t, kv, func(tx store.Tx) error {
		if n, err := tx.Counter(ctrSpace, k); err != nil || n != 0 {
			t.Errorf("Counter(missing) = %d, %v; want 0", n, err)
		}
		for i, want := range []uint64{1, 2, 12, 12} {
			delta := []uint64{1, 1, 10, 0}[i]
			n, err := tx.Add(ctrSpace, k, delta)
			if err != nil || n != want {
				t.Errorf("Add(%d) = %d, %v; want %d", delta, n, err, want)
			}
		}
		if n, err := tx.Counter(ctrSpace, k); err != nil || n != 12 {
			t.Errorf("Counter inside tx = %d, %v; want 12", n, err)
		}
		_, err := tx.Add(ctrSpace, []byte("other"), 3)
		return err
	})
	view(t, kv, func(tx store.Tx) error {
		if n, err := tx.Counter(ctrSpace, k); err != nil || n != 12 {
			t.Errorf("Counter = %d, %v; want 12", n, err)
		}
		if n, err := tx.Counter(ctrSpace, []byte("other")); err != nil || n != 3 {
			t.Errorf("Counter(other) = %d, %v; want 3", n, err)
		}
		return nil
	})
}

// testCountersConcurrent draws values from one counter in many
// goroutines and checks that none is handed out twice.
func testCountersConcurrent(t *testing.T, kv store.KV) {
	const workers, each = 8, 40
	k := []byte("shared")
	var mu sync.Mutex
	seen := make(map[uint64]int)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				var got uint64
				err := kv.Update(context.Background(), func(tx store.Tx) error {
					n, err := tx.Add(ctrSpace, k, 1)
					if err != nil {
						return err
					}
					got = n
					// Writes alongside the counter must commit with it.
					key := fmt.Appendf(nil, "w%d-%d", w, i)
					return tx.Put(space, key, binary.BigEndian.AppendUint64(nil, n))
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[got]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Add: %v", err)
	}
	for n, c := range seen {
		if c > 1 {
			t.Errorf("counter value %d handed out %d times", n, c)
		}
	}
	total := uint64(workers * each)
	for n := uint64(1); n <= total; n++ {
		if seen[n] != 1 {
			t.Errorf("counter value %d handed out %d times, want once", n, seen[n])
		}
	}
	view(t, kv, func(tx store.Tx) error {
		if n, err := tx.Counter(ctrSpace, k); err != nil || n != total {
			t.Errorf("Counter after concurrent adds = %d, %v; want %d", n, err, total)
		}
		count := 0
		err := tx.Scan(space, store.Prefix([]byte("w")), func(k, v []byte) error {
			count++
			return nil
		})
		if count != int(total) {
			t.Errorf("%d writes committed beside the counter, want %d", count, total)
		}
		return err
	})
}

// testReadModifyWrite checks that concurrent transactions reading and
// rewriting one plain value lose no update: transactions are
// serialisable.
func testReadModifyWrite(t *testing.T, kv store.KV) {
	const workers, each = 6, 25
	k := []byte("balance")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				err := kv.Update(context.Background(), func(tx store.Tx) error {
					var n uint64
					v, err := tx.Get(space, k)
					switch {
					case errors.Is(err, store.ErrNotFound):
					case err != nil:
						return err
					default:
						n = binary.BigEndian.Uint64(v)
					}
					return tx.Put(space, k, binary.BigEndian.AppendUint64(nil, n+1))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent read-modify-write: %v", err)
	}
	v := get(t, kv, space, k)
	if n := binary.BigEndian.Uint64(v); n != workers*each {
		t.Errorf("after %d increments the value is %d: updates were lost", workers*each, n)
	}
}

// testManyKeys stores tens of thousands of keys over several
// transactions and scans them back.
func testManyKeys(t *testing.T, kv store.KV, total int) {
	batch := max(total/8, 1)
	key := func(i int) []byte { return fmt.Appendf(nil, "m%08d", i) }
	for start := 0; start < total; start += batch {
		update(t, kv, func(tx store.Tx) error {
			for i := start; i < min(start+batch, total); i++ {
				v := binary.BigEndian.AppendUint32(nil, uint32(i))
				if err := tx.Put(space, key(i), v); err != nil {
					return err
				}
			}
			return nil
		})
	}
	view(t, kv, func(tx store.Tx) error {
		for _, rev := range []bool{false, true} {
			i, want := 0, 0
			if rev {
				want = total - 1
			}
			err := tx.Scan(space, store.Range{Reverse: rev}, func(k, v []byte) error {
				if !bytes.Equal(k, key(want)) || binary.BigEndian.Uint32(v) != uint32(want) {
					return fmt.Errorf("key %d is %q, want %q", i, k, key(want))
				}
				i++
				want += map[bool]int{false: 1, true: -1}[rev]
				return nil
			})
			if err != nil || i != total {
				t.Errorf("Scan(reverse=%v): %d keys, %v; want %d", rev, i, err, total)
			}
		}
		mid := total / 2
		got := scanKeys2(tx, store.Range{Start: key(mid), End: key(mid + 55)})
		if got != 55 {
			t.Errorf("Scan of 55 keys found %d", got)
		}
		for _, i := range []int{0, 1, mid, total - 1} {
			v, err := tx.Get(space, key(i))
			if err != nil || binary.BigEndian.Uint32(v) != uint32(i) {
				t.Errorf("Get(%q) = %x, %v", key(i), v, err)
			}
		}
		return nil
	})
}

func scanKeys2(tx store.Tx, r store.Range) int {
	n := 0
	tx.Scan(space, r, func(k, v []byte) error { n++; return nil })
	return n
}

// testConcurrentRollback runs concurrent Updates of which every third
// fails: adapters that share transactions between Updates must still
// roll back each failure alone and commit all the others.
func testConcurrentRollback(t *testing.T, kv store.KV) {
	const n = 60
	errBad := errors.New("bad")
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = kv.Update(context.Background(), func(tx store.Tx) error {
				if err := tx.Put(space, fmt.Appendf(nil, "r%03d", i), []byte("v")); err != nil {
					return err
				}
				if _, err := tx.Add(ctrSpace, []byte("r"), 1); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("update %d: %w", i, errBad)
				}
				return nil
			})
		})
	}
	wg.Wait()
	view(t, kv, func(tx store.Tx) error {
		for i, res := range results {
			_, err := tx.Get(space, fmt.Appendf(nil, "r%03d", i))
			switch {
			case i%3 == 0 && !errors.Is(res, errBad):
				t.Errorf("failing Update %d returned %v, want its own error", i, res)
			case i%3 == 0 && err == nil:
				t.Errorf("failed Update %d left its write", i)
			case i%3 != 0 && (res != nil || err != nil):
				t.Errorf("Update %d: %v; its write: %v", i, res, err)
			}
		}
		if c, err := tx.Counter(ctrSpace, []byte("r")); err != nil || c != n*2/3 {
			t.Errorf("counter = %d, %v; want %d", c, err, n*2/3)
		}
		return nil
	})
}
