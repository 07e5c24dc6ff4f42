package smtp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/listener"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/pires/go-proxyproto"
)

// TestProxyProtocol checks that the client address of a PROXY header
// from a trusted network reaches the limits and the Received field.
func TestProxyProtocol(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.Proxy = listener.ProxyOptions{Trusted: prefixes("127.0.0.0/8")}
		o.MaxConnectionsPerIP = 1
	})
	proxied := func(version byte, ip string) *client {
		c := dial(t, e.addr)
		src := &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}
		dst := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 25}
		if _, err := proxyproto.HeaderProxyFromAddrs(version, src, dst).WriteTo(c.c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := proxied(1, "192.0.2.7")
	c.expect(220)
	c2 := proxied(2, "198.51.100.9")
	c2.expect(220)
	c3 := proxied(2, "192.0.2.7") // same client as c: over its limit
	c3.expect(421)

	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("proxied") + ".\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 || !strings.Contains(got[0], "from client.example.com ([192.0.2.7])") {
		t.Fatalf("stored = %q, want Received from 192.0.2.7", got)
	}

	// A trusted peer that sends no header is dropped.
	noHeader := dial(t, e.addr)
	noHeader.send("EHLO x\r\n")
	if !noHeader.closed() {
		t.Error("connection without PROXY header from a trusted network served")
	}
}

func TestProxyHeaderFromUntrusted(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.Proxy = listener.ProxyOptions{Trusted: prefixes("10.0.0.0/8")}
	})
	c := dialGreeted(t, e.addr)
	// Sent by an untrusted client, the header is just a bad command.
	c.cmd("PROXY TCP4 192.0.2.7 127.0.0.1 4242 25", 500)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("direct") + ".\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 || !strings.Contains(got[0], "([127.0.0.1])") {
		t.Fatalf("stored = %q, want Received from 127.0.0.1", got)
	}
}

func TestShutdown(t *testing.T) {
	e := setup(t, nil)
	idle := dialGreeted(t, e.addr)
	busy := dialGreeted(t, e.addr)
	busy.hello()
	busy.cmd("MAIL FROM:<dana@example.com>", 250)
	busy.cmd("RCPT TO:<bob@example.test>", 250)
	busy.cmd("DATA", 354)
	busy.send("Subject: in flight\r\n\r\n")

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- e.srv.Shutdown(ctx)
	}()
	if text := idle.expect(421); !strings.HasPrefix(text, "4.3.2") {
		t.Errorf("idle connection at shutdown = %q, want 421 4.3.2", text)
	}
	// The transaction in progress finishes, then the session closes.
	time.Sleep(50 * time.Millisecond)
	busy.send("body\r\n.\r\n")
	busy.expect(250)
	busy.expect(421)
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 1 {
		t.Errorf("bob's inbox has %d messages, want 1", n)
	}
	if _, err := net.DialTimeout("tcp", e.addr, time.Second); err == nil {
		t.Error("server still accepts connections after Shutdown")
	}
}

func prefixes(ps ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

// TestProxyImplicitTLS reads the PROXY header before the TLS handshake.
func TestProxyImplicitTLS(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.Proxy = listener.ProxyOptions{Trusted: prefixes("127.0.0.0/8")}
		o.ImplicitTLS = true
	})
	c := dial(t, e.addr)
	src := &net.TCPAddr{IP: net.ParseIP("203.0.113.5"), Port: 40000}
	dst := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 465}
	if _, err := proxyproto.HeaderProxyFromAddrs(2, src, dst).WriteTo(c.c); err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(c.c, e.tls)
	c.c, c.br = tc, bufio.NewReader(tc)
	c.expect(220)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("proxied TLS") + ".\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 || !strings.Contains(got[0], "([203.0.113.5])") ||
		!strings.Contains(got[0], "with ESMTPS") {
		t.Fatalf("stored = %q, want Received from 203.0.113.5 with ESMTPS", got)
	}
}
