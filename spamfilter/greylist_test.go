package spamfilter

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

func TestGreylist(t *testing.T) {
	clock := newClock(testNow)
	f := newFilter(t, Options{Now: clock.Now, Greylist: GreylistOptions{
		Enabled: true, Delay: 5 * time.Minute, Expiry: time.Hour, PassTTL: 24 * time.Hour}})
	ctx := context.Background()
	trip := Triplet{ClientIP: netip.MustParseAddr("192.0.2.10"),
		Sender: "Alice@Example.org", Recipient: "bob@example.net"}
	try := func(step string, tr Triplet, wantDefer bool) GreylistResult {
		t.Helper()
		r, err := f.Greylist(ctx, tr)
		if err != nil {
			t.Fatalf("%s: Greylist: %v", step, err)
		}
		if r.Deferred != wantDefer {
			t.Fatalf("%s: Deferred = %t, want %t", step, r.Deferred, wantDefer)
		}
		return r
	}
	if r := try("first sight", trip, true); r.RetryAfter != 5*time.Minute {
		t.Errorf("RetryAfter = %v, want 5m", r.RetryAfter)
	}
	clock.Advance(2 * time.Minute)
	if r := try("too early", trip, true); r.RetryAfter != 3*time.Minute {
		t.Errorf("RetryAfter = %v, want 3m", r.RetryAfter)
	}
	clock.Advance(3 * time.Minute)
	try("after delay", trip, false)

	// The same /24, other case: the same triplet.
	same := trip
	same.ClientIP = netip.MustParseAddr("192.0.2.200")
	same.Sender = "alice@example.org"
	try("same network", same, false)
	other := trip
	other.Recipient = "carol@example.net"
	try("other recipient", other, true)

	// Passed triplets keep passing while seen within PassTTL.
	clock.Advance(20 * time.Hour)
	try("within pass ttl", trip, false)
	clock.Advance(25 * time.Hour)
	try("pass ttl over", trip, true)

	// A deferred triplet not retried within Expiry starts over.
	clock.Advance(2 * time.Hour)
	try("expired wait", trip, true)
	clock.Advance(5 * time.Minute)
	try("retry after restart", trip, false)
}

func TestGreylistOffAndPurge(t *testing.T) {
	ctx := context.Background()
	off := newFilter(t, Options{})
	trip := Triplet{ClientIP: netip.MustParseAddr("2001:db8::1"), Sender: "a@b.example",
		Recipient: "c@d.example"}
	if r, err := off.Greylist(ctx, trip); err != nil || r.Deferred {
		t.Errorf("greylisting off: %+v, %v; want pass", r, err)
	}

	clock := newClock(testNow)
	f := newFilter(t, Options{Now: clock.Now, Greylist: GreylistOptions{Enabled: true}})
	for _, rcpt := range []string{"a@x.example", "b@x.example", "c@x.example"} {
		trip.Recipient = rcpt
		if _, err := f.Greylist(ctx, trip); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(10 * time.Minute)
	if r, _ := f.Greylist(ctx, trip); r.Deferred {
		t.Fatal("retry after the default delay deferred")
	}
	if n, err := f.PurgeGreylist(ctx); err != nil || n != 0 {
		t.Errorf("PurgeGreylist before expiry = %d, %v; want 0", n, err)
	}
	clock.Advance(DefaultGreylistExpiry + time.Minute)
	if n, err := f.PurgeGreylist(ctx); err != nil || n != 2 {
		t.Errorf("PurgeGreylist after expiry = %d, %v; want the 2 never retried", n, err)
	}
	clock.Advance(DefaultGreylistPassTTL)
	if n, err := f.PurgeGreylist(ctx); err != nil || n != 1 {
		t.Errorf("PurgeGreylist after pass ttl = %d, %v; want 1", n, err)
	}
	assertEmpty(t, f, spaceGreylist)
}
