package directory

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiterForgives(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{PerAddress: Rate{Burst: 2, Every: time.Minute},
		PerAccount: Rate{Burst: 100, Every: time.Second}})
	l.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.1")
	l.fail(a, "x")
	l.fail(a, "x")
	if l.allow(a, "x") {
		t.Fatal("allow after Burst failures = true")
	}
	now = now.Add(59 * time.Second)
	if l.allow(a, "x") {
		t.Fatal("allow before Every passed = true")
	}
	now = now.Add(2 * time.Second)
	if !l.allow(a, "x") {
		t.Fatal("allow after Every = false")
	}
	l.fail(a, "x")
	if l.allow(a, "x") {
		t.Fatal("allow after one more failure = true")
	}
}

func TestLimiterSuccessForgetsAccount(t *testing.T) {
	l := newLimiter(RateLimitOptions{PerAccount: Rate{Burst: 2, Every: time.Hour},
		PerAddress: Rate{Burst: 2, Every: time.Hour}})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	l.fail(a, "x")
	l.succeed("x")
	l.fail(b, "x")
	if !l.allow(netip.MustParseAddr("192.0.2.3"), "x") {
		t.Error("account limited although its owner logged in between failures")
	}
	l.fail(a, "y")
	if l.allow(a, "z") {
		t.Error("address failures forgotten by another account's success")
	}
}

func TestLimiterIPv6Prefix(t *testing.T) {
	l := newLimiter(RateLimitOptions{PerAddress: Rate{Burst: 1, Every: time.Hour}})
	l.fail(netip.MustParseAddr("2001:db8:1:2::1"), "")
	if l.allow(netip.MustParseAddr("2001:db8:1:2:ffff::9"), "") {
		t.Error("same /64 allowed after its failure")
	}
	if !l.allow(netip.MustParseAddr("2001:db8:1:3::1"), "") {
		t.Error("other /64 limited")
	}
	l.fail(netip.MustParseAddr("::ffff:192.0.2.7"), "")
	if l.allow(netip.MustParseAddr("192.0.2.7"), "") {
		t.Error("IPv4-mapped address not counted as IPv4")
	}
}

func TestLimiterMaxEntries(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{MaxEntries: 50})
	l.now = func() time.Time { return now }
	for i := 0; i < 1000; i++ {
		now = now.Add(time.Millisecond)
		l.fail(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), "")
		if len(l.buckets) > 50 {
			t.Fatalf("after %d failures: %d buckets, want at most 50", i+1, len(l.buckets))
		}
	}
}

func TestLimiterDisabled(t *testing.T) {
	l := newLimiter(RateLimitOptions{Disabled: true, PerAddress: Rate{Burst: 1}})
	a := netip.MustParseAddr("192.0.2.1")
	for i := 0; i < 5; i++ {
		l.fail(a, "x")
	}
	if !l.allow(a, "x") || len(l.buckets) != 0 {
		t.Error("disabled limiter limits or keeps state")
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in, want string
		cs       bool
	}{
		{"Alice@Example.ORG", "alice@example.org", false},
		{"Alice@Example.ORG", "Alice@example.org", true},
		{"<b@x.test>", "b@x.test", false},
		{`"a\"b"@x.test`, `a"b@x.test`, false},
		{"ÜSER@BÜCHER.example", "üser@xn--bcher-kva.example", false},
		{"u@[192.0.2.1]", "u@[192.0.2.1]", false},
		{"a@b@c.test", "a@b@c.test", false},
	}
	for _, tc := range tests {
		a, err := ParseAddress(tc.in, tc.cs, 0)
		if err != nil || a.String() != tc.want {
			t.Errorf("ParseAddress(%q) = %q, %v, want %q", tc.in, a, err, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "@x.test", "a@", "a@b c", "a\x00@x.test",
		"\xff@x.test", "a@-x-.test\x01"} {
		if a, err := ParseAddress(bad, false, 0); err == nil {
			t.Errorf("ParseAddress(%q) = %q, want an error", bad, a)
		}
	}
}

// FuzzParseAddress checks that parsing never panics and that its output
// parses to itself.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"alice@example.org", "Jörg@bücher.example",
		`"q\"x"@x.test`, "u@[IPv6:::1]", "a+b@xn--bcher-kva.example", "<x@y>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s, false, 1000)
		if err != nil {
			return
		}
		b, err := ParseAddress(a.String(), false, 1000)
		if err == nil && b != a {
			t.Errorf("ParseAddress(%q) = %q, reparsed %q", s, a, b)
		}
	})
}
