package smtp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwarkmail/bulwark/listener"
)

// Server is an SMTP, submission or LMTP server. Create it with New, run
// it with Serve on one or more listeners, stop it with Shutdown.
type Server struct {
	opts Options

	connLimit  listener.ConnLimiter
	connRate   listener.RateLimiter
	msgRate    listener.RateLimiter
	senderRate listener.RateLimiter

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	open      atomic.Int64
	buffers   sync.Pool // *[]byte of 32 KiB for copying messages
	wg        sync.WaitGroup
}

// New checks opts and returns a server. It fails when an option asks for
// something the server cannot offer, such as implicit TLS without a
// certificate.
func New(opts Options) (*Server, error) {
	if opts.ImplicitTLS && opts.TLSConfig == nil {
		return nil, errors.New("smtp: ImplicitTLS needs a TLSConfig")
	}
	if opts.MaxRecipients != 0 && opts.MaxRecipients < 1 {
		return nil, fmt.Errorf("smtp: MaxRecipients %d below 1", opts.MaxRecipients)
	}
	o := opts.withDefaults()
	s := &Server{
		opts:      o,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}
	s.buffers.New = func() any {
		b := make([]byte, 32<<10)
		return &b
	}
	if o.MaxConnectionsPerIP > 0 {
		s.connLimit.Max = o.MaxConnectionsPerIP
	}
	s.connRate = listener.RateLimiter{Limit: o.ConnectionRate.Limit, Per: o.ConnectionRate.Per}
	s.msgRate = listener.RateLimiter{Limit: o.MessageRate.Limit, Per: o.MessageRate.Per}
	s.senderRate = listener.RateLimiter{Limit: o.SenderRate.Limit, Per: o.SenderRate.Per}
	return s, nil
}

// Serve accepts connections on l until Shutdown or Close, and serves
// each on its own goroutine. It wraps l for the PROXY protocol when
// Options.Proxy trusts a network. It returns ErrServerClosed after
// Shutdown or Close, or the error that stopped Accept.
func (s *Server) Serve(l net.Listener) error {
	l = listener.Wrap(l, s.opts.Proxy)
	if !s.trackListener(l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(l, false)
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		delay = 0
		c := s.newConn(nc)
		if c == nil {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

func (s *Server) trackListener(l net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.listeners, l)
		return true
	}
	if s.closing.Load() {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

// newConn registers a connection, or returns nil when the server is
// closing.
func (s *Server) newConn(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil
	}
	c := &conn{srv: s, raw: nc, nc: nc, id: newID()}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting connections, closes idle ones with "421",
// lets the others finish their current command, and waits for them
// until ctx ends; then it closes what is left and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.wakeIfIdle()
	}
	s.mu.Unlock()

	waited := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-waited
		return ctx.Err()
	}
}

// Close stops the server at once, closing every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing.Store(true)
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.closeConns()
	s.wg.Wait()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.abort()
	}
}

// newID returns a random identifier for a connection or message.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
