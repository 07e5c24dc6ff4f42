package listener

import (
	"net/netip"
	"sync"
	"time"
)

// ClientKey groups client addresses for limits: an IPv4 address stands
// alone, an IPv6 address counts as its /64, which one host usually holds.
func ClientKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// ConnLimiter counts open connections per client (see ClientKey). Its
// zero value limits nothing; it is safe for concurrent use.
type ConnLimiter struct {
	// Max is the most connections one client may hold open; 0 means no
	// limit.
	Max int

	mu    sync.Mutex
	count map[netip.Prefix]int
}

// Acquire counts a new connection from a. It reports false, counting
// nothing, when the client already holds Max connections; otherwise the
// caller must call release once the connection ends.
func (l *ConnLimiter) Acquire(a netip.Addr) (release func(), ok bool) {
	if l == nil || l.Max <= 0 {
		return func() {}, true
	}
	k := ClientKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count == nil {
		l.count = make(map[netip.Prefix]int)
	}
	if l.count[k] >= l.Max {
		return nil, false
	}
	l.count[k]++
	var once sync.Once
	return func() { once.Do(func() { l.release(k) }) }, true
}

func (l *ConnLimiter) release(k netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[k] <= 1 {
		delete(l.count, k)
		return
	}
	l.count[k]--
}

// Open returns the number of connections a's client holds.
func (l *ConnLimiter) Open(a netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count[ClientKey(a)]
}

// RateLimiter is a token bucket per key: each key may spend Burst events
// at once and regains Limit events per Per. Its zero value limits
// nothing; it is safe for concurrent use.
type RateLimiter struct {
	// Limit is the number of events allowed per Per; 0 means no limit.
	Limit int
	// Per is the period over which Limit events are allowed. Default 1
	// minute.
	Per time.Duration
	// Burst is the bucket size. Default Limit.
	Burst int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxIdleBuckets is the map size past which full buckets are dropped.
const maxIdleBuckets = 4096

// Allow spends one event for key at time now and reports whether the
// key was within its rate.
func (r *RateLimiter) Allow(key string, now time.Time) bool {
	if r == nil || r.Limit <= 0 {
		return true
	}
	per, burst := r.Per, float64(r.Burst)
	if per <= 0 {
		per = time.Minute
	}
	if burst <= 0 {
		burst = float64(r.Limit)
	}
	rate := float64(r.Limit) / per.Seconds()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = make(map[string]*bucket)
	}
	b := r.buckets[key]
	if b == nil {
		if len(r.buckets) >= maxIdleBuckets {
			r.prune(now, rate, burst)
		}
		b = &bucket{tokens: burst, last: now}
		r.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune drops the buckets that have refilled completely: forgetting them
// changes nothing.
func (r *RateLimiter) prune(now time.Time, rate, burst float64) {
	for k, b := range r.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*rate >= burst {
			delete(r.buckets, k)
		}
	}
}
