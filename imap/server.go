package imap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an IMAP4rev2 and IMAP4rev1 server over a mailstore.Store.
type Server struct {
	opts Options
	log  *slog.Logger
	cmds map[string]*cmdSpec

	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	perIP     map[netip.Addr]int
	perUser   map[string]int
	// recent holds, per account and mailbox, the highest UID some session
	// has already seen as \Recent (RFC 3501 section 2.3.2).
	recent map[string]uint32
	// spell remembers how clients spelled keywords.
	spell  spellings
	closed bool
	wg     sync.WaitGroup
	nextID atomic.Uint64
}

// New returns a Server. It fails when a required option is missing.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("imap: Options.Store is required")
	}
	if opts.Directory == nil {
		return nil, errors.New("imap: Options.Directory is required")
	}
	if opts.ImplicitTLS && opts.TLSConfig == nil {
		return nil, errors.New("imap: ImplicitTLS needs TLSConfig")
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:      opts,
		log:       opts.Logger,
		cmds:      commandSpecs(),
		ctx:       ctx,
		cancel:    cancel,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		perIP:     map[netip.Addr]int{},
		perUser:   map[string]int{},
		recent:    map[string]uint32{},
	}, nil
}

// Serve accepts connections on l until Shutdown; it always returns a
// non-nil error, ErrServerClosed after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("accept imap connection: %w", err)
		}
		delay = 0
		s.start(nc)
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func remoteAddr(nc net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// start registers a connection and runs its session in a goroutine.
func (s *Server) start(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.perIP[c.remote]++
	tooMany := s.perIP[c.remote] > s.opts.MaxConnsPerIP
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()

	go func() {
		defer s.wg.Done()
		defer s.finish(c)
		if tooMany {
			c.log.Warn("too many connections from address")
			// Under implicit TLS the client expects a TLS handshake first:
			// a plaintext BYE would only confuse it, and a handshake would
			// spend on an address already over its limit the work the
			// limit saves. The connection is closed without a word.
			if !s.opts.ImplicitTLS {
				c.bye("Too many connections from your address")
			}
			return
		}
		c.serve()
	}()
}

func (s *Server) finish(c *conn) {
	_ = c.nc.Close()
	s.mu.Lock()
	delete(s.conns, c)
	if s.perIP[c.remote]--; s.perIP[c.remote] <= 0 {
		delete(s.perIP, c.remote)
	}
	s.mu.Unlock()
}

// acquireUser counts a session of account; false when over the limit.
func (s *Server) acquireUser(account string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[account] >= s.opts.MaxSessionsPerAccount {
		return false
	}
	s.perUser[account]++
	return true
}

func (s *Server) releaseUser(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[account]--; s.perUser[account] <= 0 {
		delete(s.perUser, account)
	}
}

// Shutdown stops accepting, tells every session BYE and waits for them to
// end, or for ctx to be done, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		_ = l.Close()
	}
	for c := range s.conns {
		c.interrupt()
	}
	s.mu.Unlock()
	s.cancel()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			_ = c.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// claimRecent records that a session saw UIDs up to uid as \Recent and
// returns the previous mark: UIDs above it are recent for that session.
// With claim false it only reads the mark.
func (s *Server) claimRecent(key string, uid uint32, claim bool) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.recent[key]
	if claim && uid > prev {
		s.recent[key] = uid
	}
	return prev
}
