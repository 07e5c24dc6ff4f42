package managesieve

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/sieve"
)

// Options configures a Server. Storage and Directory are required; every
// other field has a safe default.
type Options struct {
	// Storage keeps the scripts.
	Storage *sieve.Storage
	// Directory authenticates users (SASL PLAIN and LOGIN).
	Directory directory.Directory
	// TLSConfig enables STARTTLS (RFC 5804 section 2.2) when set.
	TLSConfig *tls.Config
	// AllowInsecureAuth offers AUTHENTICATE before TLS. Default false:
	// without TLS the SASL capability is empty and AUTHENTICATE fails
	// with ENCRYPT-NEEDED.
	AllowInsecureAuth bool
	// Implementation is the IMPLEMENTATION capability. Default "Bulwark".
	Implementation string
	// MaxLineLength of a command line. Default 8192.
	MaxLineLength int
	// MaxLiteralSize of a string literal. Default the storage's script
	// size limit plus 1 KiB.
	MaxLiteralSize int
	// MaxConnections open at once; more are refused with BYE. Default 256.
	MaxConnections int
	// MaxAuthFailures before the connection is closed. Default 3.
	MaxAuthFailures int
	// IdleTimeout closes a connection without commands. Default 30
	// minutes (RFC 5804 asks for no less than 30 minutes... of inactivity
	// tolerance in clients).
	IdleTimeout time.Duration
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Server is an RFC 5804 ManageSieve server.
type Server struct {
	opts   Options
	log    *slog.Logger
	mu     sync.Mutex
	lns    map[net.Listener]bool
	conns  map[*conn]bool
	wg     sync.WaitGroup
	closed bool
	nextID uint64
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("managesieve: server closed")

// New returns a server. It fails when Storage or Directory is missing.
func New(opts Options) (*Server, error) {
	if opts.Storage == nil || opts.Directory == nil {
		return nil, errors.New("managesieve: Storage and Directory are required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{opts: opts, log: log, lns: map[net.Listener]bool{},
		conns: map[*conn]bool{}}, nil
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (s *Server) maxLiteral() int {
	if s.opts.MaxLiteralSize > 0 {
		return s.opts.MaxLiteralSize
	}
	return s.opts.Storage.MaxScriptSize() + 1024
}

func (s *Server) idle() time.Duration {
	if s.opts.IdleTimeout > 0 {
		return s.opts.IdleTimeout
	}
	return 30 * time.Minute
}

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.lns[l] = true
	s.mu.Unlock()
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		s.start(nc)
	}
}

func (s *Server) start(nc net.Conn) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.conns) >= orInt(s.opts.MaxConnections, 256) {
		s.mu.Unlock()
		nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		nc.Write([]byte("BYE (TRYLATER) \"Too many connections\"\r\n"))
		nc.Close()
		return
	}
	s.nextID++
	c := newConn(s, nc, s.nextID)
	s.conns[c] = true
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
}

// Shutdown stops accepting, closes idle connections with BYE and waits for
// the rest until ctx ends, then closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for l := range s.lns {
		l.Close()
	}
	for c := range s.conns {
		c.shutdown()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	c := &conn{srv: s, nc: nc, id: id}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.setIO(nc)
	c.log = s.log.With("conn", id, "remote", nc.RemoteAddr().String())
	return c
}

func (c *conn) setIO(nc net.Conn) {
	c.nc = nc
	c.r = &reader{br: bufio.NewReaderSize(nc, 4096),
		maxLine: orInt(c.srv.opts.MaxLineLength, 8192), maxLiteral: c.srv.maxLiteral()}
	c.w = bufio.NewWriter(nc)
}
