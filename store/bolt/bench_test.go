package bolt_test

import (
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
)

func fill(b *testing.B, db store.KV, n int) {
	b.Helper()
	err := db.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
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

func BenchmarkGet(b *testing.B) {
	db := openTemp(b, bolt.Options{})
	fill(b, db, 100000)
	ctx := context.Background()
	k := []byte("k\x00\x00\x00\x00\x00\x00\x00\x00")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		binary.BigEndian.PutUint64(k[1:], uint64(i*7919%100000))
		err := db.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get("bench", k)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScan100(b *testing.B) {
	db := openTemp(b, bolt.Options{})
	fill(b, db, 100000)
	ctx := context.Background()
	start := []byte("k\x00\x00\x00\x00\x00\x00\x00\x00")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		binary.BigEndian.PutUint64(start[1:], uint64(i*7919%99000))
		n := 0
		err := db.View(ctx, func(tx store.Tx) error {
			return tx.Scan("bench", store.Range{Start: start, Limit: 100},
				func(k, v []byte) error { n++; return nil })
		})
		if err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkConcurrentWrites measures small concurrent Updates (one
// counter and one 200-byte value each), with and without group commit.
func BenchmarkConcurrentWrites(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts bolt.Options
	}{
		{"group", bolt.Options{}},
		{"nogroup", bolt.Options{NoGroupCommit: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := openTemp(b, bc.opts)
			benchWrites(b, db)
		})
	}
}

func benchWrites(b *testing.B, db store.KV) {
	ctx := context.Background()
	var seq atomic.Uint64
	val := make([]byte, 200)
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := db.Update(ctx, func(tx store.Tx) error {
				n, err := tx.Add("ctr", []byte("modseq"), 1)
				if err != nil {
					return err
				}
				k := binary.BigEndian.AppendUint64(nil, n^seq.Add(1)<<32)
				return tx.Put("bench", k, val)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
