package smtp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// discardDelivery accepts every message and keeps nothing: the peer that
// measures the protocol alone.
type discardDelivery struct{}

func (discardDelivery) Deliver(ctx context.Context, m *smtp.Message) ([]error, error) {
	_, err := io.Copy(io.Discard, m.Reader())
	return nil, err
}

// boltStore opens a mail store on bbolt (blobs in memory).
func boltStore(b *testing.B) *mailstore.Store {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "mail.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ms, err := mailstore.New(context.Background(), mailstore.Options{KV: db,
		Blobs: memory.NewBlobs()})
	if err != nil {
		b.Fatal(err)
	}
	return ms
}

// BenchmarkDeliver measures messages per second of 10 KB, accepted over
// SMTP and delivered, with 1, 8 and 32 concurrent connections, into a
// bbolt mail store and, as the peer, into a delivery that discards.
func BenchmarkDeliver(b *testing.B) {
	for _, target := range []string{"bolt", "discard"} {
		for _, conns := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/conns=%d", target, conns), func(b *testing.B) {
				benchDeliver(b, target, conns)
			})
		}
	}
}

func benchDeliver(b *testing.B, target string, conns int) {
	var delivery smtp.Delivery = discardDelivery{}
	if target == "bolt" {
		delivery = &smtp.StoreDelivery{Store: boltStore(b)}
	}
	e := setupBench(b, delivery)
	body := strings.Repeat(strings.Repeat("x", 78)+"\r\n", 128) // 10 KB
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendLoop(e, &next, int64(b.N), body); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// setupBench starts a plain-text server with the given delivery and no
// per-address connection limit.
func setupBench(b *testing.B, d smtp.Delivery) string {
	b.Helper()
	return setup(b, func(o *smtp.Options) {
		o.Delivery = d
		o.TLSConfig = nil
		o.MaxConnectionsPerIP = -1
		o.MaxCommands = 1 << 30
	}).addr
}

// sendLoop sends messages on one connection until n are claimed.
func sendLoop(addr string, next *atomic.Int64, n int64, body string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	br := bufio.NewReader(c)
	expect := func(want string) error {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(line, want) {
				return fmt.Errorf("reply %q, want %s", line, want)
			}
			if line[3] == ' ' {
				return nil
			}
		}
	}
	if err := expect("220"); err != nil {
		return err
	}
	io.WriteString(c, "EHLO bench.example\r\n")
	if err := expect("250"); err != nil {
		return err
	}
	for i := next.Add(1); i <= n; i = next.Add(1) {
		io.WriteString(c, "MAIL FROM:<dana@example.com>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
		for _, w := range []string{"250", "250", "354"} {
			if err := expect(w); err != nil {
				return err
			}
		}
		fmt.Fprintf(c, "Subject: bench %d\r\n\r\n%s.\r\n", i, body)
		if err := expect("250"); err != nil {
			return err
		}
	}
	io.WriteString(c, "QUIT\r\n")
	return expect("221")
}

// BenchmarkMemoryPerConnection reports the server's memory held by an
// idle connection after EHLO.
func BenchmarkMemoryPerConnection(b *testing.B) {
	addr := setupBench(b, discardDelivery{})
	const n = 200
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var conns []net.Conn
		for j := 0; j < n; j++ {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			io.WriteString(c, "EHLO bench.example\r\n")
			br := bufio.NewReaderSize(c, 64)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					b.Fatal(err)
				}
				if strings.HasPrefix(line, "250 ") {
					break
				}
			}
			conns = append(conns, c)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		used := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
		b.ReportMetric(float64(used)/n, "bytes/conn")
		for _, c := range conns {
			c.Close()
		}
		time.Sleep(100 * time.Millisecond) // let the sessions end
	}
}
