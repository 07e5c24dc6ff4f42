package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/cache"
	"github.com/bulwarkmail/bulwark/directory/directorytest"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// counting counts the calls that reach the backend.
type counting struct {
	directory.Directory
	calls atomic.Int64
	fail  atomic.Bool
}

var errBackend = errors.New("backend down")

func (c *counting) Lookup(ctx context.Context, name string) (*directory.Principal, error) {
	c.calls.Add(1)
	if c.fail.Load() {
		return nil, errBackend
	}
	return c.Directory.Lookup(ctx, name)
}

func (c *counting) Resolve(ctx context.Context, a string) (directory.Resolution, error) {
	c.calls.Add(1)
	return c.Directory.Resolve(ctx, a)
}

func (c *counting) IsLocalDomain(ctx context.Context, d string) (bool, error) {
	c.calls.Add(1)
	return c.Directory.IsLocalDomain(ctx, d)
}

func newBackend(t testing.TB) *counting {
	t.Helper()
	ctx := context.Background()
	d, err := local.New(ctx, memory.New(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreatePrincipal(ctx, directory.Principal{Name: "alice",
		Emails: []string{"alice@example.org"}}, ""); err != nil {
		t.Fatal(err)
	}
	return &counting{Directory: d}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	b := newBackend(t)
	clk := &clock{t: time.Unix(1000, 0)}
	c := cache.New(b, cache.Options{TTL: time.Minute, NegativeTTL: 10 * time.Second,
		Now: clk.now})
	step := func(name string, call func(), wantCalls int64) {
		t.Helper()
		call()
		if got := b.calls.Load(); got != wantCalls {
			t.Fatalf("%s: backend calls = %d, want %d", name, got, wantCalls)
		}
	}
	lookup := func(n string) func() { return func() { c.Lookup(ctx, n) } }
	step("first lookup", lookup("alice"), 1)
	step("cached lookup", lookup("alice"), 1)
	step("missing", lookup("bob"), 2)
	step("cached missing", lookup("bob"), 2)
	clk.add(11 * time.Second)
	step("negative expired", lookup("bob"), 3)
	step("positive kept", lookup("alice"), 3)
	clk.add(time.Minute)
	step("positive expired", lookup("alice"), 4)
	step("resolve", func() { c.Resolve(ctx, "alice@example.org") }, 5)
	step("resolve cached", func() { c.Resolve(ctx, "alice@example.org") }, 5)
	step("domain", func() { c.IsLocalDomain(ctx, "example.org") }, 6)
	step("domain cached", func() { c.IsLocalDomain(ctx, "EXAMPLE.org") }, 6)
	c.Purge()
	step("after purge", lookup("alice"), 7)
}

func TestErrorsNotKept(t *testing.T) {
	ctx := context.Background()
	b := newBackend(t)
	c := cache.New(b, cache.Options{})
	b.fail.Store(true)
	if _, err := c.Lookup(ctx, "alice"); !errors.Is(err, errBackend) {
		t.Fatalf("Lookup error = %v, want the backend's", err)
	}
	b.fail.Store(false)
	if p, err := c.Lookup(ctx, "alice"); err != nil || p.Name != "alice" {
		t.Fatalf("Lookup after recovery = %v, %v", p, err)
	}
}

func TestCopies(t *testing.T) {
	ctx := context.Background()
	c := cache.New(newBackend(t), cache.Options{})
	p, _ := c.Lookup(ctx, "alice")
	p.Emails[0] = "changed@example.org"
	if q, _ := c.Lookup(ctx, "alice"); q.Emails[0] != "alice@example.org" {
		t.Errorf("cached principal changed through a returned copy: %q", q.Emails)
	}
}

func TestMaxEntries(t *testing.T) {
	ctx := context.Background()
	c := cache.New(newBackend(t), cache.Options{MaxEntries: 20})
	for i := 0; i < 200; i++ {
		c.IsLocalDomain(ctx, string(rune('a'+i%26))+string(rune('a'+i/26))+".test")
		if c.Len() > 20 {
			t.Fatalf("after %d entries: Len = %d, want at most 20", i+1, c.Len())
		}
	}
}

func TestSingleFlight(t *testing.T) {
	ctx := context.Background()
	b := newBackend(t)
	c := cache.New(b, cache.Options{})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Lookup(ctx, "alice"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := b.calls.Load(); n > 5 {
		t.Errorf("50 concurrent lookups reached the backend %d times", n)
	}
}

// TestConformance runs the shared suite through the cache.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	d, err := local.New(ctx, kv, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dom := range directorytest.Domains {
		d.AddDomain(ctx, dom)
	}
	for _, e := range directorytest.Entries() {
		if err := d.CreatePrincipal(ctx, e.Principal, ""); err != nil {
			t.Fatal(err)
		}
		if e.Secret != "" {
			d.SetSecret(ctx, e.Principal.Name, e.Secret)
		}
		if e.AppSecret != "" {
			d.ImportAppPassword(ctx, e.Principal.Name, "app", e.AppSecret)
		}
	}
	directorytest.Run(t, func(t *testing.T, o directory.Options) directory.Directory {
		ld, err := local.New(ctx, kv, local.Options{Directory: o})
		if err != nil {
			t.Fatal(err)
		}
		return cache.New(ld, cache.Options{})
	})
}
