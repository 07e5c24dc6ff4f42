package sql_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/sql"
)

func fill(b *testing.B, db store.KV, n int) {
	b.Helper()
	for start := 0; start < n; start += 1000 {
		err := db.Update(context.Background(), func(tx store.Tx) error {
			for i := start; i < start+1000; i++ {
				k := binary.BigEndian.AppendUint64([]byte("k"), uint64(i))
				if err := tx.Put("bench", k, make([]byte, 200)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	for _, driver := range drivers {
		b.Run(driver, func(b *testing.B) {
			db := openDB(b, driver)
			fill(b, db, 10000)
			ctx := context.Background()
			k := []byte("k\x00\x00\x00\x00\x00\x00\x00\x00")
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint64(k[1:], uint64(i*7919%10000))
				err := db.View(ctx, func(tx store.Tx) error {
					_, err := tx.Get("bench", k)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkScan100(b *testing.B) {
	for _, driver := range drivers {
		b.Run(driver, func(b *testing.B) {
			db := openDB(b, driver)
			fill(b, db, 10000)
			ctx := context.Background()
			start := []byte("k\x00\x00\x00\x00\x00\x00\x00\x00")
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint64(start[1:], uint64(i*7919%9000))
				n := 0
				err := db.View(ctx, func(tx store.Tx) error {
					return tx.Scan("bench", store.Range{Start: start, Limit: 100},
						func(k, v []byte) error { n++; return nil })
				})
				if err != nil || n != 100 {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// BenchmarkConcurrentWrites runs small concurrent Updates, each putting
// one value; one variant also draws from a shared counter, which
// serialises the writers on its row.
func BenchmarkConcurrentWrites(b *testing.B) {
	for _, driver := range drivers {
		for _, v := range []struct {
			name           string
			counter, group bool
		}{
			{"put", false, false}, {"counter", true, false},
			{"put-group", false, true}, {"counter-group", true, true},
		} {
			counter := v.counter
			if v.group && driver == "sqlite" {
				continue
			}
			b.Run(driver+"/"+v.name, func(b *testing.B) {
				db := openWith(b, sql.Options{Driver: driver, GroupCommit: v.group})
				ctx := context.Background()
				var seq atomic.Uint64
				val := make([]byte, 200)
				// Create the tables before timing.
				err := db.Update(ctx, func(tx store.Tx) error {
					if _, err := tx.Add("ctr", []byte("modseq"), 1); err != nil {
						return err
					}
					return tx.Put("bench", []byte("x"), val)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						err := db.Update(ctx, func(tx store.Tx) error {
							n := seq.Add(1)
							if counter {
								if _, err := tx.Add("ctr", []byte("modseq"), 1); err != nil {
									return err
								}
							}
							return tx.Put("bench", binary.BigEndian.AppendUint64(nil, n), val)
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
