package imap

import (
	"bufio"
	"compress/flate"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/inflate"
	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// conn is one client connection and its session state.
type conn struct {
	srv    *Server
	nc     net.Conn
	remote netip.Addr
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	br  *bufio.Reader
	bw  *bufio.Writer
	dec *wire.Decoder
	enc *wire.Encoder
	// zw is the deflate writer once COMPRESS=DEFLATE is active.
	zw *flate.Writer

	tls      bool
	shutting sync.Once
	stopping chan struct{}

	sess *session
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{
		srv:      s,
		nc:       nc,
		remote:   remoteAddr(nc),
		ctx:      ctx,
		cancel:   cancel,
		stopping: make(chan struct{}),
	}
	id := s.nextID.Add(1)
	c.log = s.log.With("conn", id, "remote", nc.RemoteAddr().String())
	c.setStreams(nc, nc)
	return c
}

// setStreams (re)builds the buffered reader and writer over r and w.
func (c *conn) setStreams(r io.Reader, w io.Writer) {
	c.br = bufio.NewReaderSize(r, 4096)
	c.bw = bufio.NewWriterSize(w, 16<<10)
	if c.dec == nil {
		c.dec = wire.NewDecoder(c.br)
		c.enc = wire.NewEncoder(c.bw)
		o := c.srv.opts
		c.dec.MaxLine = o.MaxLineLength
		c.dec.MaxLiteral = o.MaxLiteralSize
		c.dec.MaxDepth = o.MaxNesting
		c.dec.Continue = c.continueLiteral
		return
	}
	c.dec.Reset(c.br)
	c.enc.Reset(c.bw)
}

func (c *conn) continueLiteral(wire.LiteralInfo) error {
	c.enc.Raw("+ Ready for literal data\r\n")
	return c.flush()
}

// flush sends buffered responses, through the compressor when active. A
// client that stops reading for the idle timeout is dropped.
func (c *conn) flush() error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.opts.IdleTimeout))
	if err := c.enc.Flush(); err != nil {
		return err
	}
	if c.zw != nil {
		return c.zw.Flush()
	}
	return nil
}

// interrupt asks the session to end: the blocked read returns at once.
func (c *conn) interrupt() {
	c.shutting.Do(func() {
		close(c.stopping)
		_ = c.nc.SetReadDeadline(time.Now())
	})
}

func (c *conn) isStopping() bool {
	select {
	case <-c.stopping:
		return true
	default:
		return false
	}
}

// bye sends an untagged BYE and flushes.
func (c *conn) bye(text string) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.enc.Raw("* BYE ").Raw(text).CRLF()
	_ = c.flush()
}

// serve runs the session until the client leaves or the server stops.
func (c *conn) serve() {
	defer c.cancel()
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("imap session panic", "panic", v, "stack", string(debug.Stack()))
			c.bye("Internal server error")
		}
	}()
	c.log.Info("imap connection")
	if c.srv.opts.ImplicitTLS {
		if err := c.startTLS(); err != nil {
			c.log.Warn("tls handshake failed", "err", err)
			return
		}
	}
	c.sess = newSession(c)
	defer c.sess.close()
	c.enc.Raw("* OK [CAPABILITY ").Raw(c.sess.capabilities()).
		Raw("] ").Raw(c.srv.opts.Hostname).Raw(" IMAP4rev2 server ready").CRLF()
	if c.flush() != nil {
		return
	}
	c.sess.loop()
}

// startTLS runs the server side of a TLS handshake on the connection.
func (c *conn) startTLS() error {
	tc := tls.Server(c.nc, c.srv.opts.TLSConfig)
	_ = tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return err
	}
	_ = tc.SetDeadline(time.Time{})
	c.nc = tc
	c.tls = true
	c.setStreams(tc, tc)
	return nil
}

// startCompress turns on COMPRESS=DEFLATE (RFC 4978) in both directions.
func (c *conn) startCompress() error {
	zw, err := flate.NewWriter(c.nc, flate.DefaultCompression)
	if err != nil {
		return err
	}
	c.zw = zw
	c.setStreams(inflate.NewReader(bufio.NewReader(c.nc)), zw)
	return nil
}

// readDeadline arms the inactivity timer before a read.
func (c *conn) readDeadline(authenticated bool) {
	if c.isStopping() {
		return
	}
	d := c.srv.opts.IdleTimeout
	if !authenticated {
		d = min(d, c.srv.opts.UnauthTimeout)
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
