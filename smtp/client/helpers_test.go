package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/foxcpp/go-mockdns"
)

// start runs a scripted server and stops it with the test.
func start(t *testing.T, s *clienttest.Server) *clienttest.Server {
	t.Helper()
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// dialer maps host names to loopback ports; unknown hosts refuse.
func dialer(ports map[string]int) func(context.Context, Target) (net.Conn, error) {
	return func(ctx context.Context, t Target) (net.Conn, error) {
		p, ok := ports[t.Host]
		if !ok {
			return nil, fmt.Errorf("dial %s: connection refused", t.Host)
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", p))
	}
}

// zones builds MX records for domain pointing at hosts (in preference
// order) with A records on 127.0.0.1.
func zones(domain string, hosts ...string) map[string]mockdns.Zone {
	z := map[string]mockdns.Zone{}
	var mx []net.MX
	for i, h := range hosts {
		mx = append(mx, net.MX{Host: h + ".", Pref: uint16(10 * (i + 1))})
		z[h+"."] = mockdns.Zone{A: []string{"127.0.0.1"}}
	}
	z[domain+"."] = mockdns.Zone{MX: mx}
	return z
}

// msg builds a message for the recipients.
func msg(body string, rcpts ...string) *Message {
	m := &Message{From: "fay@example.com", Size: int64(len(body)),
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(body)), nil
		}}
	for _, r := range rcpts {
		m.Recipients = append(m.Recipients, Recipient{Address: r})
	}
	return m
}

const testBody = "From: fay@example.com\r\nTo: gus@example.net\r\nSubject: hi\r\n\r\n" +
	".leading dot\r\nbody\r\n"

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// Any mailauth resolver serves the client too.
var _ Resolver = mailauth.Resolver(nil)
