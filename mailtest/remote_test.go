package mailtest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailtest"
	"github.com/bulwarkmail/bulwark/smtp/client"
)

// deliverer is the SMTP client of package smtp/client pointed at the
// server's remote hosts, as an application's outbound queue would be.
// It may keep connections open between deliveries; the test's end closes
// them.
func deliverer(t *testing.T, srv *mailtest.Server) *client.Deliverer {
	d := client.New(client.Options{Hostname: "app.example.org", Resolver: srv.DNS(),
		Port: srv.RemotePort(), TLSConfig: srv.RemoteTLSConfig(), MaxHosts: 1})
	t.Cleanup(func() { d.Close() })
	return d
}

// send delivers one message to rcpt through d and returns its result.
func send(t *testing.T, d *client.Deliverer, domain, rcpt string) error {
	t.Helper()
	msg := simpleMessage("app@example.org", rcpt, "remote")
	m := &client.Message{From: "app@example.org",
		Recipients: []client.Recipient{{Address: rcpt}}, Size: int64(len(msg)),
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(msg)), nil
		}}
	res, err := d.Deliver(context.Background(), domain, m)
	if err != nil {
		return err
	}
	return res[0]
}

func TestRemoteMX(t *testing.T) {
	srv := newServer(t)
	a, err := srv.AddRemoteMX("a.test")
	if err != nil {
		t.Fatalf("AddRemoteMX: %v", err)
	}
	b, err := srv.AddRemoteMX("B.test.")
	if err != nil {
		t.Fatalf("AddRemoteMX: %v", err)
	}
	if a.Addr == b.Addr || b.Host != "mx.b.test" {
		t.Fatalf("hosts %s at %s, %s at %s", a.Host, a.Addr, b.Host, b.Addr)
	}
	tests := []struct {
		name   string
		mx     *mailtest.RemoteMX
		script func()
		codes  []int // result code of each attempt, 0 for delivered
	}{
		{"accepts", a, func() {}, []int{0}},
		{"greylisting", b, func() { b.Reply(mailtest.StageRcpt, 1, 451, "Greylisted") },
			[]int{451, 0}},
		{"permanent", a, func() { a.Reply(mailtest.StageRcpt, -1, 550, "No such user") },
			[]int{550, 550}},
		{"busy then message refused", b, func() {
			b.Reply(mailtest.StageConnect, 1, 421, "Too busy")
			b.Reply(mailtest.StageMessage, 1, 554, "Spam")
		}, []int{421, 554, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deliverer(t, srv) // a new connection meets the greeting
			tt.script()
			before := len(tt.mx.Messages())
			delivered := 0
			for i, want := range tt.codes {
				err := send(t, d, tt.mx.Domain, "user@"+tt.mx.Domain)
				var ce *client.Error
				switch {
				case want == 0 && err != nil:
					t.Errorf("attempt %d: %v, want delivered", i, err)
				case want == 0:
					delivered++
				case !errors.As(err, &ce) || ce.Code != want:
					t.Errorf("attempt %d: %v, want %d", i, err, want)
				}
			}
			if got := len(tt.mx.Messages()) - before; got != delivered {
				t.Errorf("host recorded %d messages, want %d", got, delivered)
			}
		})
	}
	if m := b.WaitMessage(t, wait); m.Envelope.From != "app@example.org" ||
		m.Envelope.To[0] != "user@b.test" {
		t.Errorf("recorded envelope = %+v", m.Envelope)
	}
}

func TestRemoteMXBrokenTLS(t *testing.T) {
	srv := newServer(t)
	mx, err := srv.AddRemoteMX("tls.test")
	if err != nil {
		t.Fatal(err)
	}
	mx.BreakTLS(true)
	d := deliverer(t, srv)
	err = send(t, d, "tls.test", "user@tls.test")
	var ce *client.Error
	if !errors.As(err, &ce) || !ce.Temporary() || !strings.Contains(err.Error(), "tls") {
		t.Errorf("delivery with a broken handshake = %v, want a temporary TLS error", err)
	}
	if n := len(mx.Messages()); n != 0 {
		t.Errorf("host recorded %d messages over a broken handshake", n)
	}
	mx.BreakTLS(false)
	if err := send(t, d, "tls.test", "user@tls.test"); err != nil {
		t.Errorf("delivery after TLS repaired: %v", err)
	}
}

func TestRemoteMXHelloAndData(t *testing.T) {
	srv := newServer(t)
	mx, err := srv.AddRemoteMX("hello.test")
	if err != nil {
		t.Fatal(err)
	}
	mx.Reply(mailtest.StageHello, 2, 554, "No service for you") // EHLO, then HELO
	mx.Reply(mailtest.StageData, 1, 452, "Out of storage")
	mx.Reply(mailtest.StageMail, 1, 451, "Local trouble")
	for i, want := range []int{554, 451, 452, 0} {
		err := send(t, deliverer(t, srv), "hello.test", "user@hello.test")
		var ce *client.Error
		switch {
		case want == 0 && err != nil:
			t.Errorf("attempt %d: %v, want delivered", i, err)
		case want != 0 && (!errors.As(err, &ce) || ce.Code != want):
			t.Errorf("attempt %d: %v, want %d", i, err, want)
		}
	}
	if n := len(mx.Messages()); n != 1 {
		t.Errorf("host recorded %d messages, want 1", n)
	}
}
