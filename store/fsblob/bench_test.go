package fsblob_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/bulwarkmail/bulwark/store/fsblob"
)

// message returns a 50 KiB message-like text, distinct per i.
func message(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%d@example.org>\r\n\r\n", i)
	for b.Len() < 50<<10 {
		fmt.Fprintf(&b, "Line %d of message %d, with some ordinary words in it.\r\n", b.Len(), i)
	}
	return b.Bytes()
}

func BenchmarkPut(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("compress=%v", compress), func(b *testing.B) {
			s := openTemp(b, fsblob.Options{Compress: compress})
			ctx := context.Background()
			b.SetBytes(50 << 10)
			for i := 0; b.Loop(); i++ {
				if _, _, err := s.Put(ctx, bytes.NewReader(message(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpenRange(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("compress=%v", compress), func(b *testing.B) {
			s := openTemp(b, fsblob.Options{Compress: compress})
			ctx := context.Background()
			big := bytes.Repeat(message(0), 40) // 2 MiB
			h, _, err := s.Put(ctx, bytes.NewReader(big))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 4096)
			b.SetBytes(4096)
			for i := 0; b.Loop(); i++ {
				rc, err := s.Open(ctx, h, int64(i*7919%(len(big)-4096)), 4096)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(rc, buf); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
	}
}

// BenchmarkPutParallel stores distinct messages from many goroutines, as
// concurrent deliveries do.
func BenchmarkPutParallel(b *testing.B) {
	s := openTemp(b, fsblob.Options{})
	ctx := context.Background()
	b.SetBytes(50 << 10)
	b.SetParallelism(8)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.Put(ctx, bytes.NewReader(message(int(n.Add(1))))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
