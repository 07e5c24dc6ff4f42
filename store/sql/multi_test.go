package sql_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/kvblob"
	"github.com/bulwarkmail/bulwark/store/storetest"
)

// TestBlobs runs the blob suite on blobs kept in each database.
func TestBlobs(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			storetest.TestBlobsOptions(t, func(t *testing.T) store.BlobStore {
				s, err := kvblob.New(openDB(t, driver), kvblob.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}, scale())
		})
	}
}

// TestCountersTwoPools draws from one counter through two connection
// pools, as two processes sharing the database would, and checks that
// no value is handed out twice.
func TestCountersTwoPools(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			a := openDB(t, driver)
			b := reopen(t, driver, a)
			const each = 30
			var mu sync.Mutex
			seen := make(map[uint64]bool)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for i := range 8 {
				kv := store.KV(a)
				if i%2 == 1 {
					kv = b
				}
				wg.Go(func() {
					for range each {
						var n uint64
						err := kv.Update(context.Background(), func(tx store.Tx) error {
							var err error
							n, err = tx.Add("ctr", []byte("modseq"), 1)
							return err
						})
						if err != nil {
							errs <- err
							return
						}
						mu.Lock()
						if seen[n] {
							errs <- errors.New("value handed out twice")
						}
						seen[n] = true
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if len(seen) != 8*each {
				t.Errorf("%d distinct values, want %d", len(seen), 8*each)
			}
		})
	}
}

// TestTablesCreatedOnce checks that a second pool sees the tables the
// first created, and that reads of a missing space create nothing.
func TestTablesCreatedOnce(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			a := openDB(t, driver)
			err := a.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get("nothing", []byte("k"))
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Get in a missing space: %v, want ErrNotFound", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = a.Update(ctx, func(tx store.Tx) error {
				return tx.Put("things", []byte("k"), []byte("v"))
			})
			if err != nil {
				t.Fatal(err)
			}
			names, err := a.Tables(ctx)
			slices.Sort(names)
			want := []string{a.Prefix() + "_layout", a.Prefix() + "things"}
			if err != nil || !slices.Equal(names, want) {
				t.Errorf("Tables = %v, %v; want %v", names, err, want)
			}
			b := reopen(t, driver, a)
			err = b.View(ctx, func(tx store.Tx) error {
				v, err := tx.Get("things", []byte("k"))
				if err != nil || string(v) != "v" {
					t.Errorf("second pool: Get = %q, %v", v, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
