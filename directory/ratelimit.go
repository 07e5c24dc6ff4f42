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
//
// The lockout is kept per account and client address: failures from one
// address lock that address out of the account, not the account's owner
// connecting from elsewhere. An account attacked from many addresses at
// once is slowed down instead: past the PerAccount cap each attempt
// waits before its password is checked, so guessing stays slow and the
// owner still gets in.
type RateLimitOptions struct {
	// Disabled turns failure limiting off.
	Disabled bool
	// PerAddress refuses attempts from a remote address (an IPv6 client
	// counts by its prefix) after failures for any accounts; default 10
	// in a row, then one every 6 seconds.
	PerAddress Rate
	// PerAccountAddress refuses attempts for one account name as the
	// client typed it (lower-cased) from one remote address after
	// failures for that pair; default 10 in a row, then one every 30
	// seconds. A login from the address forgets its failures.
	PerAccountAddress Rate
	// PerAccount is the cap on failures for one account from all
	// addresses together; default 100 in a row, then one forgiven every
	// 30 seconds. Past it attempts are slowed, never refused.
	PerAccount Rate
	// SlowStep is the wait added to each attempt for an account per
	// failure past PerAccount.Burst; default 1 second.
	SlowStep time.Duration
	// MaxSlowdown bounds that wait; default 10 seconds.
	MaxSlowdown time.Duration
	// IPv6PrefixBits groups IPv6 clients by prefix; default 64.
	IPv6PrefixBits int
	// MaxEntries bounds the memory used: past it, buckets that are full
	// again are dropped, then the oldest; default 100000.
	MaxEntries int
}

func (o RateLimitOptions) withDefaults() RateLimitOptions {
	o.PerAddress = o.PerAddress.withDefaults(10, 6*time.Second)
	o.PerAccountAddress = o.PerAccountAddress.withDefaults(10, 30*time.Second)
	o.PerAccount = o.PerAccount.withDefaults(100, 30*time.Second)
	if o.SlowStep <= 0 {
		o.SlowStep = time.Second
	}
	if o.MaxSlowdown <= 0 {
		o.MaxSlowdown = 10 * time.Second
	}
	if o.IPv6PrefixBits <= 0 || o.IPv6PrefixBits > 128 {
		o.IPv6PrefixBits = 64
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	return o
}

func (r Rate) withDefaults(burst int, every time.Duration) Rate {
	if r.Burst <= 0 {
		r.Burst = burst
	}
	if r.Every <= 0 {
		r.Every = every
	}
	return r
}

type bucket struct {
	used  float64 // failures not yet forgiven
	last  time.Time
	every time.Duration // the forgiveness interval of the bucket's Rate
}

// limiter keeps failure buckets per remote address, per account and
// address pair, and per account.
type limiter struct {
	o   RateLimitOptions
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newLimiter(o RateLimitOptions) *limiter {
	return &limiter{o: o.withDefaults(), now: time.Now, buckets: map[string]*bucket{}}
}

// addrKey names the client: its address, or its prefix for IPv6.
func (l *limiter) addrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(l.o.IPv6PrefixBits); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// keys returns the bucket keys of an attempt: address, pair, account.
// The last two are empty without an account name.
func (l *limiter) keys(remote netip.Addr, account string) (addr, pair, acct string) {
	a := l.addrKey(remote)
	if account == "" {
		return "a" + a, "", ""
	}
	return "a" + a, "p" + a + "\x00" + account, "u" + account
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

// over reports how many failures key counts beyond r.Burst-1; an
// attempt is limited when that is above zero.
func (l *limiter) over(key string, r Rate, t time.Time) float64 {
	return l.level(key, r, t) - float64(r.Burst-1)
}

// check reports whether an attempt from remote for account may proceed
// and how long it must wait first.
func (l *limiter) check(remote netip.Addr, account string) (time.Duration, bool) {
	if l.o.Disabled {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	addr, pair, acct := l.keys(remote, account)
	// After Burst failures in a row, one Every must pass before the
	// next try.
	if l.over(addr, l.o.PerAddress, t) > 0 {
		return 0, false
	}
	if account == "" {
		return 0, true
	}
	if l.over(pair, l.o.PerAccountAddress, t) > 0 {
		return 0, false
	}
	excess := l.over(acct, l.o.PerAccount, t)
	if excess <= 0 {
		return 0, true
	}
	wait := time.Duration(excess * float64(l.o.SlowStep))
	return min(max(wait, l.o.SlowStep), l.o.MaxSlowdown), true
}

// fail counts a failure against remote and account.
func (l *limiter) fail(remote netip.Addr, account string) {
	if l.o.Disabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	addr, pair, acct := l.keys(remote, account)
	l.add(addr, l.o.PerAddress, t)
	if account != "" {
		l.add(pair, l.o.PerAccountAddress, t)
		l.add(acct, l.o.PerAccount, t)
	}
}

// succeed forgets the failures counted against account from remote once
// its owner logs in from there. Those of the address alone and of the
// account from everywhere stay: a login must not reset the budget of a
// guesser elsewhere.
func (l *limiter) succeed(remote netip.Addr, account string) {
	if l.o.Disabled || account == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, pair, _ := l.keys(remote, account)
	delete(l.buckets, pair)
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
	l.buckets[key] = &bucket{used: u, last: t, every: r.Every}
}

// evict drops the buckets that have emptied; when none has, it drops the
// least recently touched half.
func (l *limiter) evict(t time.Time) {
	for k, b := range l.buckets {
		if t.Sub(b.last) > time.Duration(b.used*float64(b.every)) {
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
