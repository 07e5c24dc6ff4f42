package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
)

// Opener returns a new, empty KV store for one subtest.
type Opener func(t *testing.T) store.KV

// Options scales the suites down for slow set-ups, such as an
// embedded database under the race detector. The zero value runs them
// at full size.
type Options struct {
	// ManyKeys is how many keys the many-keys test stores. Default
	// 20000.
	ManyKeys int
	// LargeSize is the size of the large values and blobs. Default 5 MiB.
	LargeSize int
}

func (o Options) withDefaults() Options {
	if o.ManyKeys <= 0 {
		o.ManyKeys = 20000
	}
	if o.LargeSize <= 0 {
		o.LargeSize = 5 << 20
	}
	return o
}

// TestKV runs the key-value conformance suite against stores made by open.
func TestKV(t *testing.T, open Opener) {
	TestKVOptions(t, open, Options{})
}

// TestKVOptions runs the key-value suite at the scale opts sets.
func TestKVOptions(t *testing.T, open Opener, opts Options) {
	opts = opts.withDefaults()
	tests := []struct {
		name string
		fn   func(t *testing.T, kv store.KV)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"InvalidInput", testInvalidInput},
		{"Order", testOrder},
		{"Ranges", testRanges},
		{"StopAndErrors", testStop},
		{"Spaces", testSpaces},
		{"ReadYourWrites", testReadYourWrites},
		{"Rollback", testRollback},
		{"ReadOnly", testReadOnly},
		{"SnapshotIsolation", testSnapshot},
		{"UncommittedInvisible", testUncommitted},
		{"Counters", testCounters},
		{"CountersConcurrent", testCountersConcurrent},
		{"ReadModifyWrite", testReadModifyWrite},
		{"ConcurrentRollback", testConcurrentRollback},
		{"ScanWritesOtherSpace", testScanWrites},
		{"LargeValues", func(t *testing.T, kv store.KV) { testLargeValues(t, kv, opts.LargeSize) }},
		{"ManyKeys", func(t *testing.T, kv store.KV) { testManyKeys(t, kv, opts.ManyKeys) }},
		{"ReservedSpaces", testReserved},
		{"Context", testContext},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

const space store.Space = "conformance"

func update(t *testing.T, kv store.KV, fn func(tx store.Tx) error) {
	t.Helper()
	if err := kv.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, kv store.KV, fn func(tx store.Tx) error) {
	t.Helper()
	if err := kv.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// get returns a copy of the value under key, or nil when missing.
func get(t *testing.T, kv store.KV, sp store.Space, key []byte) []byte {
	t.Helper()
	var out []byte
	view(t, kv, func(tx store.Tx) error {
		v, err := tx.Get(sp, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append([]byte{}, v...)
		return nil
	})
	return out
}

func testGetPutDelete(t *testing.T, kv store.KV) {
	k := []byte("key")
	view(t, kv, func(tx store.Tx) error {
		if _, err := tx.Get(space, k); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
		}
		return nil
	})
	buf := []byte("value")
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Put(space, k, buf); err != nil {
			return err
		}
		copy(buf, "XXXXX") // Put must have copied the value.
		return tx.Put(space, []byte("empty"), nil)
	})
	if v := get(t, kv, space, k); string(v) != "value" {
		t.Errorf("Get(key) = %q, want %q", v, "value")
	}
	view(t, kv, func(tx store.Tx) error {
		v, err := tx.Get(space, []byte("empty"))
		if err != nil || len(v) != 0 {
			t.Errorf("Get(empty) = %q, %v; want empty value", v, err)
		}
		return nil
	})
	update(t, kv, func(tx store.Tx) error { return tx.Put(space, k, []byte("second")) })
	if v := get(t, kv, space, k); string(v) != "second" {
		t.Errorf("Get(key) after overwrite = %q, want %q", v, "second")
	}
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Delete(space, k); err != nil {
			return err
		}
		return tx.Delete(space, []byte("never-there"))
	})
	if v := get(t, kv, space, k); v != nil {
		t.Errorf("Get(key) after delete = %q, want missing", v)
	}
}

func testInvalidInput(t *testing.T, kv store.KV) {
	err := kv.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put(space, nil, []byte("v"))
	})
	if err == nil {
		t.Errorf("Put(empty key) succeeded, want error")
	}
	for _, sp := range []store.Space{"", "Upper", "has space", "semi;colon"} {
		err := kv.Update(context.Background(), func(tx store.Tx) error {
			return tx.Put(sp, []byte("k"), []byte("v"))
		})
		if !errors.Is(err, store.ErrInvalidSpace) {
			t.Errorf("Put(space %q) error = %v, want ErrInvalidSpace", sp, err)
		}
		err = kv.View(context.Background(), func(tx store.Tx) error {
			_, err := tx.Get(sp, []byte("k"))
			return err
		})
		if !errors.Is(err, store.ErrInvalidSpace) {
			t.Errorf("Get(space %q) error = %v, want ErrInvalidSpace", sp, err)
		}
	}
}

// orderKeys are keys whose byte-wise order differs from signed-byte,
// collation, length-first and NUL-terminated orders.
func orderKeys() [][]byte {
	keys := [][]byte{
		{0x00}, {0x00, 0x00}, {0x00, 0xff}, {0x01},
		[]byte(" "), []byte("A"), []byte("B"), []byte("a"), []byte("a\x00"),
		[]byte("a\x00b"), []byte("a "), []byte("aa"), []byte("ab"),
		[]byte("b"), {0x7f}, {0x80}, {0x80, 0x00}, {0xc3, 0xa9},
		{0xfe, 0xff}, {0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

func putAll(t *testing.T, kv store.KV, keys [][]byte) {
	t.Helper()
	shuffled := slices.Clone(keys)
	rand.Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	update(t, kv, func(tx store.Tx) error {
		for _, k := range shuffled {
			if err := tx.Put(space, k, append([]byte("v"), k...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanKeys returns copies of the keys r selects, checking each value.
func scanKeys(t *testing.T, tx store.Tx, sp store.Space, r store.Range) [][]byte {
	t.Helper()
	var got [][]byte
	err := tx.Scan(sp, r, func(k, v []byte) error {
		if sp == space && !bytes.Equal(v, append([]byte("v"), k...)) {
			t.Errorf("Scan: key %x has value %x", k, v)
		}
		got = append(got, bytes.Clone(k))
		return nil
	})
	if err != nil {
		t.Fatalf("Scan(%+v): %v", r, err)
	}
	return got
}

func testOrder(t *testing.T, kv store.KV) {
	keys := orderKeys()
	putAll(t, kv, keys)
	view(t, kv, func(tx store.Tx) error {
		got := scanKeys(t, tx, space, store.Range{})
		if !equalKeys(got, keys) {
			t.Errorf("Scan(all) = %x,\nwant %x", got, keys)
		}
		got = scanKeys(t, tx, space, store.Range{Reverse: true})
		want := slices.Clone(keys)
		slices.Reverse(want)
		if !equalKeys(got, want) {
			t.Errorf("Scan(all, reverse) = %x,\nwant %x", got, want)
		}
		return nil
	})
}

func equalKeys(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// expect computes a scan's result over sorted keys the slow way.
func expect(keys [][]byte, r store.Range) [][]byte {
	var out [][]byte
	for _, k := range keys {
		if r.Start != nil && bytes.Compare(k, r.Start) < 0 {
			continue
		}
		if r.End != nil && bytes.Compare(k, r.End) >= 0 {
			continue
		}
		out = append(out, k)
	}
	if r.Reverse {
		slices.Reverse(out)
	}
	if r.Limit > 0 && len(out) > r.Limit {
		out = out[:r.Limit]
	}
	return out
}

func testRanges(t *testing.T, kv store.KV) {
	keys := orderKeys()
	putAll(t, kv, keys)
	b := func(s string) []byte { return []byte(s) }
	ranges := []struct {
		name string
		r    store.Range
	}{
		{"all", store.Range{}},
		{"from a", store.Range{Start: b("a")}},
		{"to a", store.Range{End: b("a")}},
		{"a to b", store.Range{Start: b("a"), End: b("b")}},
		{"between keys", store.Range{Start: b("a\x00a"), End: b("ac")}},
		{"start equals end", store.Range{Start: b("a"), End: b("a")}},
		{"start after end", store.Range{Start: b("b"), End: b("a")}},
		{"limit", store.Range{Limit: 3}},
		{"limit past end", store.Range{Start: b("b"), Limit: 100}},
		{"from 0xff", store.Range{Start: []byte{0xff}}},
		{"to 0xff", store.Range{End: []byte{0xff}}},
		{"prefix a", store.Prefix(b("a"))},
		{"prefix a\\x00", store.Prefix(b("a\x00"))},
		{"prefix 0xff", store.Prefix([]byte{0xff})},
		{"prefix 0xff 0xff", store.Prefix([]byte{0xff, 0xff})},
		{"prefix 0x00", store.Prefix([]byte{0x00})},
		{"prefix none", store.Prefix(b("zz"))},
	}
	view(t, kv, func(tx store.Tx) error {
		for _, rc := range ranges {
			for _, rev := range []bool{false, true} {
				for _, limit := range []int{0, 1, 2} {
					r := rc.r
					r.Reverse = rev
					if r.Limit == 0 {
						r.Limit = limit
					}
					got := scanKeys(t, tx, space, r)
					if want := expect(keys, r); !equalKeys(got, want) {
						t.Errorf("%s: Scan(%+v) = %x, want %x", rc.name, r, got, want)
					}
				}
			}
		}
		got := scanKeys(t, tx, "conformance_empty", store.Range{})
		if len(got) != 0 {
			t.Errorf("Scan(unused space) = %x, want nothing", got)
		}
		return nil
	})
}

func testStop(t *testing.T, kv store.KV) {
	putAll(t, kv, orderKeys())
	view(t, kv, func(tx store.Tx) error {
		for _, rev := range []bool{false, true} {
			n := 0
			err := tx.Scan(space, store.Range{Reverse: rev}, func(k, v []byte) error {
				n++
				if n == 2 {
					return store.ErrStop
				}
				return nil
			})
			if err != nil || n != 2 {
				t.Errorf("Scan stopped by ErrStop: err %v after %d keys; want nil after 2",
					err, n)
			}
			mine := errors.New("mine")
			err = tx.Scan(space, store.Range{Reverse: rev}, func(k, v []byte) error {
				return fmt.Errorf("wrapped: %w", mine)
			})
			if !errors.Is(err, mine) {
				t.Errorf("Scan callback error: got %v, want %v", err, mine)
			}
		}
		return nil
	})
}

func testSpaces(t *testing.T, kv store.KV) {
	k := []byte("same")
	update(t, kv, func(tx store.Tx) error {
		if err := tx.Put("space_one", k, []byte("1")); err != nil {
			return err
		}
		return tx.Put("space_two", k, []byte("2"))
	})
	if v := get(t, kv, "space_one", k); string(v) != "1" {
		t.Errorf("space_one: Get = %q, want 1", v)
	}
	if v := get(t, kv, "space_two", k); string(v) != "2" {
		t.Errorf("space_two: Get = %q, want 2", v)
	}
	update(t, kv, func(tx store.Tx) error { return tx.Delete("space_one", k) })
	if v := get(t, kv, "space_two", k); string(v) != "2" {
		t.Errorf("space_two after delete in space_one: Get = %q, want 2", v)
	}
}
