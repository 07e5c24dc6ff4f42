package spamfilter

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

func TestReverseIP(t *testing.T) {
	tests := []struct{ ip, want string }{
		// RFC 5782, section 2.1 and 2.4 examples.
		{"192.0.2.99", "99.2.0.192"},
		{"2001:db8:1:2:3:4:567:89ab",
			"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"},
		{"::ffff:192.0.2.99", "99.2.0.192"},
		{"127.0.0.1", ""},
		{"10.1.2.3", ""},
		{"fe80::1", ""},
	}
	for _, tc := range tests {
		if got := reverseIP(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("reverseIP(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

func dnsblZones() map[string]mockdns.Zone {
	return map[string]mockdns.Zone{
		// 192.0.2.99 is on both lists, with reason codes.
		"99.2.0.192.zen.example.":            {A: []string{"127.0.0.2", "127.0.0.10"}},
		"99.2.0.192.bl2.example.":            {A: []string{"127.0.0.4"}},
		"7.2.0.192.zen.example.":             {A: []string{"127.255.255.254"}},
		"8.2.0.192.zen.example.":             {A: []string{"127.0.0.1"}},
		"9.2.0.192.zen.example.":             {A: []string{"198.51.100.1"}},
		"spam-domain.example.uribl.example.": {A: []string{"127.0.0.2"}},
		"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.example.": {
			A: []string{"127.0.0.3"}},
	}
}

func TestDNSBL(t *testing.T) {
	f := newFilter(t, Options{
		Resolver: &mockdns.Resolver{Zones: dnsblZones()},
		DNSBL: []DNSBLZone{
			{Zone: "zen.example", Returns: []DNSBLReturn{
				{Answer: "127.0.0.2", Symbol: "ZEN_SBL", Score: 5},
				{Answer: "127.0.0.3", Symbol: "ZEN_CSS", Score: 4.5},
				{Answer: "127.0.0.10/31", Symbol: "ZEN_PBL", Score: 1},
			}},
			{Zone: "bl2.example.", Symbol: "BL2", Score: 2},
		},
		URIBL: []DNSBLZone{{Zone: "uribl.example"}},
	})
	tests := []struct {
		name string
		ip   string
		body string
		want map[string]float64
	}{
		{"listed twice", "192.0.2.99", "",
			map[string]float64{"ZEN_SBL": 5, "ZEN_PBL": 1, "BL2": 2}},
		{"ipv6", "2001:db8:1:2:3:4:567:89ab", "", map[string]float64{"ZEN_CSS": 4.5}},
		{"error code ignored", "192.0.2.7", "", nil},
		{"127.0.0.1 ignored", "192.0.2.8", "", nil},
		{"answer outside 127/8 ignored", "192.0.2.9", "", nil},
		{"not listed", "192.0.2.1", "", nil},
		{"private address not asked", "10.0.0.1", "", nil},
		{"uribl", "192.0.2.1", "Visit http://www.spam-domain.example/offer today\r\n",
			map[string]float64{SymURIBL: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := cleanMsg()
			if tc.body != "" {
				m.withBody(tc.body)
			}
			v := check(t, f, m.String(), Input{ClientIP: netip.MustParseAddr(tc.ip)})
			got := map[string]float64{}
			for _, h := range v.Hits {
				if h.Name == "ZEN_SBL" || h.Name == "ZEN_CSS" || h.Name == "ZEN_PBL" ||
					h.Name == "BL2" || h.Name == SymURIBL || h.Name == SymDNSBL {
					got[h.Name] = h.Score
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("DNSBL hits %v, want %v", got, tc.want)
			}
			for k, s := range tc.want {
				if got[k] != s {
					t.Errorf("hit %s score %v, want %v (all %v)", k, got[k], s, got)
				}
			}
		})
	}
}

// slowResolver never answers before its context ends.
type slowResolver struct{ calls atomic.Int32 }

func (r *slowResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	r.calls.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestDNSBLTimeout(t *testing.T) {
	res := &slowResolver{}
	f := newFilter(t, Options{
		Resolver:   res,
		DNSTimeout: 50 * time.Millisecond,
		DNSBL:      []DNSBLZone{{Zone: "a.example"}, {Zone: "b.example"}, {Zone: "c.example"}},
	})
	start := time.Now()
	v := check(t, f, cleanMsg().String(), Input{ClientIP: netip.MustParseAddr("192.0.2.99")})
	elapsed := time.Since(start)
	if elapsed > 2*time.Second {
		t.Errorf("Check took %v with a 50ms lookup timeout", elapsed)
	}
	if res.calls.Load() != 3 {
		t.Errorf("%d lookups, want 3", res.calls.Load())
	}
	if v.Has(SymDNSBL) {
		t.Errorf("timed out lookups gave a hit: %v", symbolNames(v))
	}
}

func TestDNSBLConfig(t *testing.T) {
	bad := []Options{
		{DNSBL: []DNSBLZone{{Zone: ""}}},
		{DNSBL: []DNSBLZone{{Zone: "a..example"}}},
		{URIBL: []DNSBLZone{{Zone: "u.example", Returns: []DNSBLReturn{{Answer: "x"}}}}},
	}
	for i, o := range bad {
		if _, err := New(o); err == nil {
			t.Errorf("case %d: New accepted %+v", i, o)
		}
	}
}

// countingResolver answers "not found" and counts the queries.
type countingResolver struct{ calls atomic.Int32 }

func (r *countingResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.calls.Add(1)
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestMaxURIBLDomains(t *testing.T) {
	var body strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&body, "https://site%d.example/ https://www.site%d.example/\r\n", i, i)
	}
	for _, max := range []int{3, 20} {
		res := &countingResolver{}
		f := newFilter(t, Options{Resolver: res, MaxURIBLDomains: max,
			URIBL: []DNSBLZone{{Zone: "uribl.example"}}})
		check(t, f, cleanMsg().withBody(body.String()).String(), Input{})
		want := int32(min(max, 10))
		if got := res.calls.Load(); got != want {
			t.Errorf("MaxURIBLDomains %d: %d queries, want %d", max, got, want)
		}
	}
}
