package mailauth

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

// countingResolver counts the queries reaching a go-mockdns resolver.
type countingResolver struct {
	mockdns.Resolver
	n atomic.Int32
}

func (r *countingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.n.Add(1)
	return r.Resolver.LookupTXT(ctx, name)
}

func (r *countingResolver) LookupNetIP(ctx context.Context, network, host string) (
	[]netip.Addr, error) {
	r.n.Add(1)
	return r.Resolver.LookupNetIP(ctx, network, host)
}

func TestCache(t *testing.T) {
	now := time.Unix(1000, 0)
	inner := &countingResolver{Resolver: mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"a.example.":   {TXT: []string{"hello"}, A: []string{"192.0.2.1"}},
		"tmp.example.": {Err: errTemp},
	}}}
	c := NewCache(inner, CacheOptions{TTL: time.Minute, NegativeTTL: 10 * time.Second,
		MaxEntries: 3, Now: func() time.Time { return now }})
	ctx := t.Context()
	step := func(name string, wantCalls int32) {
		t.Helper()
		if got := inner.n.Load(); got != wantCalls {
			t.Fatalf("%s: %d queries reached the resolver, want %d", name, got, wantCalls)
		}
	}
	for range 3 {
		txt, err := c.LookupTXT(ctx, "A.example")
		if err != nil || len(txt) != 1 || txt[0] != "hello" {
			t.Fatalf("LookupTXT = %v, %v", txt, err)
		}
	}
	step("positive answer cached", 1)
	for range 2 {
		if _, err := c.LookupTXT(ctx, "none.example"); !IsNotFound(err) {
			t.Fatalf("LookupTXT(none) = %v, want not found", err)
		}
	}
	step("negative answer cached", 2)
	for range 2 {
		if _, err := c.LookupTXT(ctx, "tmp.example"); err == nil || IsNotFound(err) {
			t.Fatalf("LookupTXT(tmp) = %v, want a temporary error", err)
		}
	}
	step("temporary failure not cached", 4)
	now = now.Add(11 * time.Second)
	c.LookupTXT(ctx, "none.example")
	step("negative entry expired", 5)
	c.LookupTXT(ctx, "a.example")
	step("positive entry still live", 5)
	now = now.Add(time.Minute)
	c.LookupTXT(ctx, "a.example")
	step("positive entry expired", 6)
	c.LookupNetIP(ctx, "ip4", "a.example")
	c.LookupNetIP(ctx, "ip4", "b.example")
	if c.Len() > 3 {
		t.Errorf("cache holds %d entries, want at most MaxEntries 3", c.Len())
	}
}

func TestIsNotFound(t *testing.T) {
	if !IsNotFound(notFound("x")) || IsNotFound(errTemp) || IsNotFound(nil) {
		t.Error("IsNotFound misclassifies")
	}
	var _ Resolver = NewCache(&net.Resolver{}, CacheOptions{})
}
