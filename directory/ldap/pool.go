package ldap

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// pool keeps up to size connections bound as the service account.
type pool struct {
	o      *Options
	idle   chan *ldap.Conn
	slots  chan struct{} // one token per open connection
	closed atomic.Bool
}

func newPool(o *Options) *pool {
	return &pool{o: o, idle: make(chan *ldap.Conn, o.PoolSize),
		slots: make(chan struct{}, o.PoolSize)}
}

// get returns an idle connection, a new one, or waits for one.
func (p *pool) get(ctx context.Context) (*ldap.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		select {
		case c := <-p.idle:
			if !c.IsClosing() {
				return c, nil
			}
			<-p.slots
			continue
		default:
		}
		select {
		case c := <-p.idle:
			if !c.IsClosing() {
				return c, nil
			}
			<-p.slots
		case p.slots <- struct{}{}:
			c, err := p.dial(ctx)
			if err != nil {
				<-p.slots
				return nil, err
			}
			return c, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// put returns a healthy connection to the pool; a broken one is closed.
func (p *pool) put(c *ldap.Conn, broken bool) {
	if broken || c.IsClosing() || p.closed.Load() {
		c.Close()
		<-p.slots
		return
	}
	p.idle <- c
}

// dial opens a connection (TLS for ldaps://, StartTLS when asked) bound
// as the service account.
func (p *pool) dial(ctx context.Context) (*ldap.Conn, error) {
	d := &net.Dialer{Timeout: p.o.Timeout}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < p.o.Timeout {
		d.Timeout = time.Until(dl)
	}
	tc := p.o.TLSConfig
	if tc == nil {
		tc = &tls.Config{}
	}
	c, err := ldap.DialURL(p.o.URL, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(tc))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", p.o.URL, err)
	}
	c.SetTimeout(p.o.Timeout)
	if p.o.StartTLS {
		if err := c.StartTLS(tc); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls %s: %w", p.o.URL, err)
		}
	}
	if err := p.bindService(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// bindService binds c as the service account, or anonymously.
func (p *pool) bindService(c *ldap.Conn) error {
	var err error
	if p.o.BindDN == "" {
		err = c.UnauthenticatedBind("")
	} else {
		err = c.Bind(p.o.BindDN, p.o.BindPassword)
	}
	if err != nil {
		return fmt.Errorf("bind service account: %w", err)
	}
	return nil
}

// close closes the idle connections, and the busy ones as they return.
func (p *pool) close() {
	p.closed.Store(true)
	for {
		select {
		case c := <-p.idle:
			c.Close()
			<-p.slots
		default:
			return
		}
	}
}
