package directory

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// allowed reports whether check lets the attempt proceed.
func allowed(l *limiter, a netip.Addr, account string) bool {
	_, ok := l.check(a, account)
	return ok
}

func TestLimiterForgives(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{PerAddress: Rate{Burst: 2, Every: time.Minute},
		PerAccountAddress: Rate{Burst: 100, Every: time.Second}})
	l.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.1")
	l.fail(a, "x")
	l.fail(a, "x")
	if allowed(l, a, "x") {
		t.Fatal("allow after Burst failures = true")
	}
	now = now.Add(59 * time.Second)
	if allowed(l, a, "x") {
		t.Fatal("allow before Every passed = true")
	}
	now = now.Add(2 * time.Second)
	if !allowed(l, a, "x") {
		t.Fatal("allow after Every = false")
	}
	l.fail(a, "x")
	if allowed(l, a, "x") {
		t.Fatal("allow after one more failure = true")
	}
}

// TestLimiterLockoutPerPair checks that failures for an account from one
// address lock out that pair only: the owner elsewhere, and other
// accounts from the same address, go on.
func TestLimiterLockoutPerPair(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{PerAddress: Rate{Burst: 100, Every: time.Hour},
		PerAccountAddress: Rate{Burst: 3, Every: time.Hour}})
	l.now = func() time.Time { return now }
	attacker, owner := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("198.51.100.7")
	for range 3 {
		l.fail(attacker, "bob")
	}
	if allowed(l, attacker, "bob") {
		t.Error("pair not locked after PerAccountAddress.Burst failures")
	}
	if wait, ok := l.check(owner, "bob"); !ok || wait != 0 {
		t.Errorf("owner from another address: wait %v, allowed %v; want at once", wait, ok)
	}
	if !allowed(l, attacker, "alice") {
		t.Error("another account from the attacker's address is locked")
	}
	now = now.Add(time.Hour + time.Second)
	if !allowed(l, attacker, "bob") {
		t.Error("pair still locked after Every")
	}
}

// TestLimiterAccountSlows spreads failures for one account over many
// addresses: past the cap attempts wait longer and longer, up to
// MaxSlowdown, and are never refused; time forgives them.
func TestLimiterAccountSlows(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{PerAccount: Rate{Burst: 5, Every: time.Minute},
		SlowStep: time.Second, MaxSlowdown: 4 * time.Second})
	l.now = func() time.Time { return now }
	owner := netip.MustParseAddr("198.51.100.7")
	var waits []time.Duration
	for i := range 10 {
		l.fail(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), "bob")
		wait, ok := l.check(owner, "bob")
		if !ok {
			t.Fatalf("owner refused after %d failures elsewhere", i+1)
		}
		waits = append(waits, wait)
	}
	want := "[0s 0s 0s 0s 1s 2s 3s 4s 4s 4s]"
	if got := fmt.Sprint(waits); got != want {
		t.Errorf("waits = %s, want %s", got, want)
	}
	now = now.Add(10 * time.Minute)
	if wait, ok := l.check(owner, "bob"); !ok || wait != 0 {
		t.Errorf("after the failures were forgiven: wait %v, allowed %v", wait, ok)
	}
}

func TestLimiterSuccessForgetsPair(t *testing.T) {
	l := newLimiter(RateLimitOptions{PerAccountAddress: Rate{Burst: 2, Every: time.Hour},
		PerAccount: Rate{Burst: 3, Every: time.Hour}, PerAddress: Rate{Burst: 4, Every: time.Hour}})
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	l.fail(a, "x")
	l.succeed(a, "x")
	l.fail(a, "x")
	if !allowed(l, a, "x") {
		t.Error("pair limited although its owner logged in between failures")
	}
	l.fail(b, "x")
	l.fail(b, "x")
	l.succeed(a, "x")
	if allowed(l, b, "x") {
		t.Error("a login from one address forgave the failures of another")
	}
	if wait, _ := l.check(a, "x"); wait == 0 {
		t.Error("a login forgave the account-wide failures")
	}
	l.fail(a, "y")
	l.fail(a, "y")
	if allowed(l, a, "z") {
		t.Error("address failures forgotten by another account's success")
	}
}

func TestLimiterIPv6Prefix(t *testing.T) {
	l := newLimiter(RateLimitOptions{PerAddress: Rate{Burst: 1, Every: time.Hour}})
	l.fail(netip.MustParseAddr("2001:db8:1:2::1"), "")
	if allowed(l, netip.MustParseAddr("2001:db8:1:2:ffff::9"), "") {
		t.Error("same /64 allowed after its failure")
	}
	if !allowed(l, netip.MustParseAddr("2001:db8:1:3::1"), "") {
		t.Error("other /64 limited")
	}
	l.fail(netip.MustParseAddr("::ffff:192.0.2.7"), "")
	if allowed(l, netip.MustParseAddr("192.0.2.7"), "") {
		t.Error("IPv4-mapped address not counted as IPv4")
	}
}

func TestLimiterMaxEntries(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimitOptions{MaxEntries: 50})
	l.now = func() time.Time { return now }
	for i := 0; i < 1000; i++ {
		now = now.Add(time.Millisecond)
		l.fail(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), fmt.Sprint("u", i))
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
	if !allowed(l, a, "x") || len(l.buckets) != 0 {
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
