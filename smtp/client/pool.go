package client

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// idleConn is a session kept open after a transaction.
type idleConn struct {
	c     *conn
	since time.Time
}

// pool keeps idle sessions by target and TLS mode, so that several
// messages to one host share a connection (RFC 5321, section 3.3 lets
// a client start another transaction on the same session).
type pool struct {
	mu   sync.Mutex
	idle map[string][]idleConn
}

// poolKey names the sessions that may carry m: same host and address,
// same relay and the same TLS demands.
func poolKey(t Target, relay *Relay, p *session, m *Message) string {
	verify := m.RequireTLS || p.policy.Enforced() || (relay != nil && relay.RequireTLS)
	return fmt.Sprintf("%s|%s|%p|%t|%t|%t", t.Host, t.Addr, relay, verify, p.tlsa != nil,
		m.RequireTLS)
}

// take returns a live idle session for key, closing those idle longer
// than ttl.
func (d *Deliverer) take(key string) *conn {
	if d.opts.IdleTimeout < 0 {
		return nil
	}
	d.pool.mu.Lock()
	defer d.pool.mu.Unlock()
	list := d.pool.idle[key]
	for len(list) > 0 {
		ic := list[len(list)-1]
		list = list[:len(list)-1]
		if time.Since(ic.since) < d.opts.IdleTimeout {
			d.pool.idle[key] = list
			return ic.c
		}
		ic.c.nc.Close()
	}
	delete(d.pool.idle, key)
	return nil
}

// put keeps c idle for key, or ends it when reuse is off or the pool
// of key is full.
func (d *Deliverer) put(ctx context.Context, key string, c *conn) {
	if d.opts.IdleTimeout >= 0 {
		d.pool.mu.Lock()
		if d.pool.idle == nil {
			d.pool.idle = map[string][]idleConn{}
		}
		if len(d.pool.idle[key]) < d.opts.MaxPerHost {
			d.pool.idle[key] = append(d.pool.idle[key], idleConn{c, time.Now()})
			d.pool.mu.Unlock()
			return
		}
		d.pool.mu.Unlock()
	}
	c.quit(ctx)
}

// Close ends the idle sessions. The Deliverer stays usable.
func (d *Deliverer) Close() error {
	d.pool.mu.Lock()
	idle := d.pool.idle
	d.pool.idle = nil
	d.pool.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, list := range idle {
		for _, ic := range list {
			ic.c.quit(ctx)
		}
	}
	return nil
}
