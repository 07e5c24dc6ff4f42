package directory

import (
	"net/netip"
	"sync"
	"time"
)

// Rate is a token bucket for authentication failures: Burst failures are
// allowed in a row, and one more is allowed every Every after that.
type Rate struct {
	// Burst is the number of failures allowed before limiting starts.
	Burst int
	// Every is the time after which one failure is forgiven.
	Every time.Duration
}

// RateLimitOptions configure the failure limits of Authenticate. The zero
// value enables them with the defaults below.
type RateLimitOptions struct {
	// Disabled turns failure limiting off.
	Disabled bool
	// PerAddress limits failures from one remote address (an IPv6
	// client counts by its prefix); default 10 in a row, then one every
	// 6 seconds.
	PerAddress Rate
	// PerAccount limits failures for one account name as the client
	// typed it (lower-cased), whatever the client; default 10 in a row,
	// then one every 30 seconds. It lets a stranger lock an account out
	// for a while: that is the price of stopping slow guessing.
	PerAccount Rate
	// IPv6PrefixBits groups IPv6 clients by prefix; default 64.
	IPv6PrefixBits int
	// MaxEntries bounds the memory used: past it, buckets that are full
	// again are dropped, then the oldest; default 100000.
	MaxEntries int
}

func (o RateLimitOptions) withDefaults() RateLimitOptions {
	if o.PerAddress.Burst <= 0 {
		o.PerAddress.Burst = 10
	}
	if o.PerAddress.Every <= 0 {
		o.PerAddress.Every = 6 * time.Second
	}
	if o.PerAccount.Burst <= 0 {
		o.PerAccount.Burst = 10
	}
	if o.PerAccount.Every <= 0 {
		o.PerAccount.Every = 30 * time.Second
	}
	if o.IPv6PrefixBits <= 0 || o.IPv6PrefixBits > 128 {
		o.IPv6PrefixBits = 64
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	return o
}

type bucket struct {
	used float64 // failures not yet forgiven
	last time.Time
}

// limiter keeps one failure bucket per remote address and per account.
type limiter struct {
	o   RateLimitOptions
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newLimiter(o RateLimitOptions) *limiter {
	return &limiter{o: o.withDefaults(), now: time.Now, buckets: map[string]*bucket{}}
}

func (l *limiter) addrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(l.o.IPv6PrefixBits); err == nil {
			return "a" + p.String()
		}
	}
	return "a" + a.String()
}

// level returns the failures still counted against key at t.
func (l *limiter) level(key string, r Rate, t time.Time) float64 {
	b := l.buckets[key]
	if b == nil {
		return 0
	}
	u := b.used - float64(t.Sub(b.last))/float64(r.Every)
	if u < 0 {
		u = 0
	}
	return u
}

// allow reports whether an attempt from remote for account may proceed.
func (l *limiter) allow(remote netip.Addr, account string) bool {
	if l.o.Disabled {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	// Limited once the failures not yet forgiven exceed Burst-1: after
	// Burst failures in a row, one Every must pass before the next try.
	if l.level(l.addrKey(remote), l.o.PerAddress, t) > float64(l.o.PerAddress.Burst-1) {
		return false
	}
	if account != "" &&
		l.level("u"+account, l.o.PerAccount, t) > float64(l.o.PerAccount.Burst-1) {
		return false
	}
	return true
}

// fail counts a failure against remote and account.
func (l *limiter) fail(remote netip.Addr, account string) {
	if l.o.Disabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	l.add(l.addrKey(remote), l.o.PerAddress, t)
	if account != "" {
		l.add("u"+account, l.o.PerAccount, t)
	}
}

// succeed forgets the failures counted against an account once its
// owner logs in; those of the remote address stay.
func (l *limiter) succeed(account string) {
	if l.o.Disabled || account == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, "u"+account)
}

func (l *limiter) add(key string, r Rate, t time.Time) {
	u := l.level(key, r, t) + 1
	if b := l.buckets[key]; b != nil {
		b.used, b.last = u, t
		return
	}
	if len(l.buckets) >= l.o.MaxEntries {
		l.evict(t)
	}
	l.buckets[key] = &bucket{used: u, last: t}
}

// evict drops the buckets that have emptied; when none has, it drops the
// least recently touched half.
func (l *limiter) evict(t time.Time) {
	for k, b := range l.buckets {
		if t.Sub(b.last) > time.Duration(b.used*float64(l.o.PerAccount.Every)) &&
			t.Sub(b.last) > time.Duration(b.used*float64(l.o.PerAddress.Every)) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.o.MaxEntries {
		return
	}
	var oldest time.Time
	n := 0
	for _, b := range l.buckets {
		if n == 0 || b.last.Before(oldest) {
			oldest = b.last
		}
		n++
	}
	cut := oldest.Add(t.Sub(oldest) / 2)
	for k, b := range l.buckets {
		if !b.last.After(cut) {
			delete(l.buckets, k)
		}
	}
}
