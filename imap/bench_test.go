package imap

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	benchOnce sync.Once
	benchEnv  *testEnv
)

const benchMessages = 10000

// benchFixture is a server with a 10,000-message INBOX, shared by the
// benchmarks of one run.
func benchFixture(b *testing.B) *testEnv {
	benchOnce.Do(func() {
		benchEnv = buildEnv(b, []string{"bench@example.test"}, func(o *Options) {
			o.MaxConnsPerIP = 5000
			o.MaxSessionsPerAccount = 5000
		})
		fillMailbox(b, benchEnv, "bench@example.test", benchMessages)
	})
	benchEnv.t = b
	return benchEnv
}

func benchClient(b *testing.B) *rawClient {
	env := benchFixture(b)
	c := env.login("bench@example.test")
	c.t = b
	return c
}

func BenchmarkSelect10k(b *testing.B) {
	c := benchClient(b)
	b.ResetTimer()
	for range b.N {
		c.ok("SELECT INBOX")
	}
}

func BenchmarkFetchAll10k(b *testing.B) {
	c := benchClient(b)
	c.ok("SELECT INBOX")
	b.ResetTimer()
	for range b.N {
		if lines := c.ok("FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE)"); len(lines) != benchMessages {
			b.Fatalf("got %d lines", len(lines))
		}
	}
}

// BenchmarkFetchFullBody measures full-body FETCH throughput in bytes of
// message per second.
func BenchmarkFetchFullBody(b *testing.B) {
	c := benchClient(b)
	c.ok("EXAMINE INBOX")
	lines := c.ok("FETCH 1:100 RFC822.SIZE")
	var size int64
	for _, l := range lines {
		var seq, n int64
		fmt.Sscanf(l, "* %d FETCH (RFC822.SIZE %d)", &seq, &n)
		size += n
	}
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		c.ok("FETCH 1:100 BODY.PEEK[]")
	}
}

func BenchmarkSearchText10k(b *testing.B) {
	c := benchClient(b)
	c.ok("EXAMINE INBOX")
	b.ResetTimer()
	for range b.N {
		c.ok("UID SEARCH TEXT xylophonic")
	}
}

func BenchmarkSearchSubject10k(b *testing.B) {
	c := benchClient(b)
	c.ok("EXAMINE INBOX")
	b.ResetTimer()
	for range b.N {
		c.ok("UID SEARCH SUBJECT kumquat")
	}
}

// BenchmarkIdleConnMemory opens 1,000 connections in IDLE and reports the
// heap each one holds.
func BenchmarkIdleConnMemory(b *testing.B) {
	env := benchFixture(b)
	const conns = 1000
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		clients := make([]*rawClient, 0, conns)
		for i := 0; i < conns; i++ {
			c := env.login("bench@example.test")
			c.ok("SELECT Drafts")
			c.send("i IDLE\r\n")
			if l := c.readLine(); !strings.HasPrefix(l, "+") {
				b.Fatalf("IDLE = %q", l)
			}
			clients = append(clients, c)
		}
		time.Sleep(100 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/conns, "heapB/conn")
		b.ReportMetric(float64(runtime.NumGoroutine())/conns, "goroutines/conn")
		for _, c := range clients {
			c.send("DONE\r\n")
			c.until("i")
			_ = c.conn.Close()
		}
	}
}

// BenchmarkAppend measures APPEND with a synchronising literal.
func BenchmarkAppend(b *testing.B) {
	env := newEnv(b, []string{"app@example.test"}, nil)
	c := env.login("app@example.test")
	msg := simpleMsg("bench", strings.Repeat("hello world\r\n", 100))
	b.ResetTimer()
	for range b.N {
		c.appendMsg("INBOX", "", msg)
	}
}

// BenchmarkConcSelectFetch mirrors the harness's imap_conc workload: 50
// sessions, each SELECT then FETCH of a 50-message window (UID FLAGS
// RFC822.SIZE ENVELOPE BODYSTRUCTURE) on a 1,000-message mailbox.
func BenchmarkConcSelectFetch(b *testing.B) {
	env := newEnv(b, []string{"conc@example.test"}, func(o *Options) { o.MaxSessionsPerAccount = 100 })
	fillMailbox(b, env, "conc@example.test", 1000)
	const sessions = 50
	clients := make([]*rawClient, sessions)
	for i := range clients {
		clients[i] = env.login("conc@example.test")
	}
	ops := make(chan int, b.N)
	for i := range b.N {
		ops <- i
	}
	close(ops)
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c *rawClient) {
			defer wg.Done()
			for i := range ops {
				c.ok("SELECT INBOX")
				lo := 1 + (i*37)%950
				c.ok(fmt.Sprintf("FETCH %d:%d (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)", lo, lo+49))
			}
		}(c)
	}
	wg.Wait()
}
