package jmap

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// credCache remembers HTTP Basic credentials that authenticated, so that
// a client sending them with every request (as Basic requires) costs one
// password hash per TTL, not one per request. Keys are HMACs under a
// random key: the cache holds no password.
type credCache struct {
	ttl  time.Duration
	max  int
	salt [32]byte
	mu   sync.Mutex
	m    map[[32]byte]credEntry
}

type credEntry struct {
	p       *principal
	expires time.Time
}

func newCredCache(ttl time.Duration, max int) *credCache {
	c := &credCache{ttl: ttl, max: max, m: map[[32]byte]credEntry{}}
	_, _ = rand.Read(c.salt[:])
	return c
}

func (c *credCache) key(user, pass string) [32]byte {
	m := hmac.New(sha256.New, c.salt[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pass))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

func (c *credCache) get(k [32]byte) *principal {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.expires) {
		delete(c.m, k)
		return nil
	}
	return e.p
}

func (c *credCache) put(k [32]byte, p *principal) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = credEntry{p: p, expires: time.Now().Add(c.ttl)}
}
