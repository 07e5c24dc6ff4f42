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
	// zw is the deflate writer once COMPRESS=DEFLATE is active, and zout
	// the buffer between it and the network.
	zw   *flate.Writer
	zout *bufio.Writer

	// writeBy is the write deadline in force.
	writeBy time.Time

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
// maxSkippedLiteral is the most of an oversized non-synchronizing
// literal the server reads past to keep the session; a larger one ends
// the connection after its BAD [TOOBIG].
const maxSkippedLiteral = 64 << 20

func (c *conn) setStreams(r io.Reader, w io.Writer) {
	c.br = bufio.NewReaderSize(r, 4096)
	c.bw = bufio.NewWriterSize(w, 16<<10)
	if c.dec == nil {
		c.dec = wire.NewDecoder(c.br)
		c.enc = wire.NewEncoder(c.bw)
		o := c.srv.opts
		c.dec.MaxLine = o.MaxLineLength
		c.dec.MaxLiteral = o.MaxLiteralSize
		c.dec.MaxSkip = maxSkippedLiteral
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
	c.armWrite()
	if err := c.enc.Flush(); err != nil {
		return err
	}
	if c.zw != nil {
		if err := c.zw.Flush(); err != nil {
			return err
		}
		return c.zout.Flush()
	}
	return nil
}

// armWrite keeps the write deadline at least half the idle timeout away,
// moving it only when it comes closer, which spares a timer update on
// every response.
func (c *conn) armWrite() {
	now := time.Now()
	d := c.srv.opts.IdleTimeout
	if c.writeBy.Sub(now) > d/2 {
		return
	}
	c.writeBy = now.Add(d)
	_ = c.nc.SetWriteDeadline(c.writeBy)
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
	c.writeBy = time.Now().Add(5 * time.Second)
	_ = c.nc.SetWriteDeadline(c.writeBy)
	c.enc.Raw("* BYE ").Raw(text).CRLF()
	_ = c.enc.Flush()
	if c.zw != nil && c.zw.Flush() == nil {
		_ = c.zout.Flush()
	}
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
	c.writeBy = time.Time{}
	c.nc = tc
	c.tls = true
	c.setStreams(tc, tc)
	return nil
}

// startCompress turns on COMPRESS=DEFLATE (RFC 4978) in both directions.
// The fastest deflate level keeps a bulk download (a first sync fetching
// every message) bound by the network, not by the compressor; the deflate
// output goes through a buffer so that it leaves in large writes.
func (c *conn) startCompress() error {
	c.zout = bufio.NewWriterSize(c.nc, 32<<10)
	zw, err := flate.NewWriter(c.zout, flate.BestSpeed)
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
