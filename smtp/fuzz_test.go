package smtp_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

// pipeListener hands out in-memory connections.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial() net.Conn {
	server, client := net.Pipe()
	l.conns <- &tcpAddrConn{server}
	return client
}

// tcpAddrConn gives a pipe end loopback TCP addresses.
type tcpAddrConn struct{ net.Conn }

func (c *tcpAddrConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}
}

// panicCounter counts logged session panics.
type panicCounter struct{ n atomic.Int64 }

func (p *panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicCounter) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p *panicCounter) WithGroup(string) slog.Handler            { return p }
func (p *panicCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "smtp session panic" {
		p.n.Add(1)
	}
	return nil
}

// FuzzSession feeds arbitrary client input to a whole session: it must
// never panic, and the session must end when the client goes.
func FuzzSession(f *testing.F) {
	seeds := []string{
		"EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<amy@example.test>\r\nDATA\r\n" +
			"Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"EHLO a\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n" +
			smuggle("\n.\r\n") + "QUIT\r\n",
		"EHLO a\r\nMAIL FROM:<d@example.com>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n" +
			"Subject: x\r\n\r\nbody\r\n.\r\nRSET\r\n",
		"EHLO a\r\nMAIL FROM:<d@example.com> BODY=BINARYMIME\r\nRCPT TO:<bob@example.test>\r\n" +
			"BDAT 3\r\nabcBDAT 2 LAST\r\nde",
		"EHLO a\r\nAUTH PLAIN\r\n*\r\nSTARTTLS\r\nVRFY x\r\nBDAT x\r\n",
		"HELO a\r\nMAIL FROM:<\"q\\\"x\"@[IPv6:::1]> SMTPUTF8\r\n" +
			"RCPT TO:<Postmaster>\r\nDATA\r\n.\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	counter := &panicCounter{}
	e := setup(f, func(o *smtp.Options) {
		o.Delivery = discardDelivery{}
		o.Logger = slog.New(counter)
		o.MaxConnectionsPerIP = -1
		o.CommandTimeout = 2 * time.Second
		o.DataTimeout = 2 * time.Second
	})
	l := newPipeListener()
	go e.srv.Serve(l)
	f.Fuzz(func(t *testing.T, in []byte) {
		c := l.dial()
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, c)
			close(drained)
		}()
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.Write(in)
		c.Close()
		select {
		case <-drained:
		case <-time.After(10 * time.Second):
			t.Fatalf("session on %q did not end", in)
		}
		if n := counter.n.Load(); n > 0 {
			t.Fatalf("session on %q panicked", in)
		}
	})
}
