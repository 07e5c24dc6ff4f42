package queue

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/fsblob"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// recorder is a Transport that records deliveries by subject and node;
// block, when set, holds deliveries of that subject until cancelled.
type recorder struct {
	mu    sync.Mutex
	got   map[string][]string // subject -> nodes that delivered it
	node  string
	block string
	delay time.Duration
}

type nodeTransport struct {
	r    *recorder
	node string
}

func (n nodeTransport) Deliver(ctx context.Context, _ string, m *client.Message) ([]error, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	subj := subjectOf(b)
	if subj == n.r.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	time.Sleep(n.r.delay)
	n.r.mu.Lock()
	n.r.got[subj] = append(n.r.got[subj], n.node)
	n.r.mu.Unlock()
	return nil, nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// checkOnce fails unless each of n subjects was delivered exactly once.
func (r *recorder) checkOnce(t *testing.T, n int) map[string]int {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	byNode := map[string]int{}
	for i := range n {
		s := fmt.Sprintf("msg %d", i)
		if len(r.got[s]) != 1 {
			t.Errorf("%q delivered %d times, want once", s, len(r.got[s]))
		}
		for _, nd := range r.got[s] {
			byNode[nd]++
		}
	}
	return byNode
}

func TestRestartMidQueue(t *testing.T) {
	dir := t.TempDir()
	open := func() (*bolt.DB, *fsblob.Store) {
		db, err := bolt.Open(filepath.Join(dir, "queue.db"), bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		bs, err := fsblob.Open(filepath.Join(dir, "blobs"), fsblob.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db, bs
	}
	rec := &recorder{got: map[string][]string{}, block: "msg 7"}
	db, bs := open()
	e := newEnv(t, Options{KV: db, Blobs: bs, Node: "n1", Workers: 2,
		Transport: nodeTransport{rec, "first"}})
	const n = 12
	for i := range n {
		submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
			fmt.Sprintf("msg %d", i))
	}
	waitFor(t, "some deliveries", func() bool { return rec.count() >= 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	e.q.Shutdown(ctx)
	cancel()
	db.Close()

	// The same node comes back and finishes, the blocked message included.
	rec.mu.Lock()
	rec.block = ""
	rec.mu.Unlock()
	db, bs = open()
	defer db.Close()
	e2 := newEnv(t, Options{KV: db, Blobs: bs, Node: "n1",
		Transport: nodeTransport{rec, "second"}})
	waitFor(t, "all deliveries", func() bool { return rec.count() == n })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e2.q) })
	byNode := rec.checkOnce(t, n)
	if byNode["second"] == 0 {
		t.Errorf("deliveries by node %v, want the restarted queue to finish some", byNode)
	}
}

func TestTwoNodesOneStore(t *testing.T) {
	kv, blobs := memory.New(), memory.NewBlobs()
	rec := &recorder{got: map[string][]string{}, delay: 5 * time.Millisecond}
	e1 := newEnv(t, Options{KV: kv, Blobs: blobs, Node: "a", Workers: 2,
		Transport: nodeTransport{rec, "a"}})
	e2 := newEnv(t, Options{KV: kv, Blobs: blobs, Node: "b", Workers: 2,
		Transport: nodeTransport{rec, "b"}, Now: e1.clock.Now})
	const n = 40
	for i := range n {
		q := e1.q
		if i%2 == 1 {
			q = e2.q
		}
		submit(t, q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
			fmt.Sprintf("msg %d", i))
	}
	waitFor(t, "all deliveries", func() bool { return rec.count() == n })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e1.q) })
	time.Sleep(50 * time.Millisecond)
	byNode := rec.checkOnce(t, n)
	if byNode["a"] == 0 || byNode["b"] == 0 {
		t.Errorf("deliveries by node %v, want both nodes to deliver", byNode)
	}
}

func TestExpiredLeaseTakenOver(t *testing.T) {
	kv, blobs := memory.New(), memory.NewBlobs()
	rec := &recorder{got: map[string][]string{}, block: "msg 0"}
	e1 := newEnv(t, Options{KV: kv, Blobs: blobs, Node: "crashed", LeaseTime: time.Minute,
		Transport: nodeTransport{rec, "crashed"}})
	id := submit(t, e1.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
		"msg 0")
	waitFor(t, "lease", func() bool {
		m, err := e1.q.Inspect(context.Background(), id)
		return err == nil && m.LeaseOwner == "crashed"
	})
	rec2 := &recorder{got: map[string][]string{}}
	e2 := newEnv(t, Options{KV: kv, Blobs: blobs, Node: "other", Now: e1.clock.Now,
		Transport: nodeTransport{rec2, "other"}})
	time.Sleep(50 * time.Millisecond)
	if rec2.count() != 0 {
		t.Fatal("a live lease was taken over")
	}
	e1.clock.Advance(time.Minute)
	e2.q.Wake()
	waitFor(t, "takeover", func() bool { return rec2.count() == 1 })
	rec2.checkOnce(t, 1)
}

// slowClock is a Transport that moves the clock on by step per delivery.
type slowClock struct {
	c    *clock
	step time.Duration
	mu   sync.Mutex
	n    int
}

func (s *slowClock) Deliver(ctx context.Context, _ string, m *client.Message) ([]error, error) {
	s.c.Advance(s.step)
	time.Sleep(30 * time.Millisecond)
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	return nil, nil
}

func TestLeaseRenewedAcrossDomains(t *testing.T) {
	kv, blobs := memory.New(), memory.NewBlobs()
	c := newClock()
	tr := &slowClock{c: c, step: 40 * time.Second}
	e := newEnv(t, Options{KV: kv, Blobs: blobs, Now: c.Now, LeaseTime: time.Minute,
		Transport: tr, Node: "a"})
	submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("a@d1.test", "a@d2.test",
		"a@d3.test", "a@d4.test")}, "many domains")
	// Node b starts once a holds the lease; 4 x 40 s outlasts one lease.
	rec := &recorder{got: map[string][]string{}}
	waitFor(t, "lease", func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.n > 0
	})
	newEnv(t, Options{KV: kv, Blobs: blobs, Now: c.Now, LeaseTime: time.Minute,
		Transport: nodeTransport{rec, "b"}, Node: "b"})
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.n != 4 || rec.count() != 0 {
		t.Errorf("node a delivered %d domains, node b %d; want a to keep its lease for all 4",
			tr.n, rec.count())
	}
}
