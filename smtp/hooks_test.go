package smtp_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/foxcpp/go-mockdns"
)

// TestHooks checks that each stage can reject or defer with its own
// codes, and that a plain error becomes a generic 451 4.3.0.
func TestHooks(t *testing.T) {
	reject := func(stage string) error {
		return smtp.Reject(550, smtp.EnhancedCode{5, 7, 1}, stage+" refused")
	}
	e := setup(t, func(o *smtp.Options) {
		o.Hooks = smtp.Hooks{
			Hello: func(ctx context.Context, s *smtp.Session, name string) error {
				if name == "bad.example" {
					return reject("hello")
				}
				return nil
			},
			Mail: func(ctx context.Context, s *smtp.Session, env *smtp.Envelope) error {
				if env.ReversePath == "spam@example.com" {
					return smtp.Defer(smtp.EnhancedCode{4, 7, 1}, "greylisted")
				}
				return nil
			},
			Rcpt: func(ctx context.Context, s *smtp.Session, env *smtp.Envelope,
				r *smtp.Recipient) error {
				if r.Address == "eli@example.test" {
					return errors.New("database down: secret detail")
				}
				return nil
			},
			Data: func(ctx context.Context, s *smtp.Session, env *smtp.Envelope) error {
				if env.ReversePath == "nodata@example.com" {
					return reject("data")
				}
				return nil
			},
			Message: func(ctx context.Context, m *smtp.Message) error {
				m.AddHeader("Authentication-Results", "mx.example.test; spf=pass\r\nX-Bad: 1")
				if m.Envelope.ReversePath == "virus@example.com" {
					return smtp.Reject(554, smtp.EnhancedCode{5, 7, 1}, "virus found")
				}
				return nil
			},
		}
	})
	c := dialGreeted(t, e.addr)
	c.cmd("EHLO bad.example", 550)
	c.hello()
	if text := c.cmd("MAIL FROM:<spam@example.com>", 451); text != "4.7.1 greylisted" {
		t.Errorf("Mail hook reply %q, want 4.7.1 greylisted", text)
	}
	c.cmd("MAIL FROM:<nodata@example.com>", 250)
	if text := c.cmd("RCPT TO:<eli@example.test>", 451); strings.Contains(text, "secret") ||
		!strings.HasPrefix(text, "4.3.0") {
		t.Errorf("Rcpt hook reply %q, want a generic 4.3.0", text)
	}
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 550)
	c.cmd("RSET", 250)
	c.cmd("MAIL FROM:<virus@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("virus") + ".\r\n")
	c.expect(554)
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("clean") + ".\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 {
		t.Fatalf("bob's inbox has %d messages, want 1", len(got))
	}
	want := "\r\nAuthentication-Results: mx.example.test; spf=pass  X-Bad: 1\r\n"
	if !strings.Contains(got[0], want+
		"Received: from client.example.com ([127.0.0.1])") {
		t.Errorf("stored header = %q, want the added field on top, CRLF neutralised", got[0])
	}
}

func TestConnectHookAndNoDelivery(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.Delivery = nil
		o.Hooks.Connect = func(ctx context.Context, s *smtp.Session) error {
			if s.Remote.Addr() != loopback() {
				return errors.New("unexpected remote")
			}
			return nil
		}
	})
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	if text := c.cmd("DATA", 451); !strings.HasPrefix(text, "4.3.5") {
		t.Errorf("DATA without delivery = %q, want 4.3.5", text)
	}

	refused := setup(t, func(o *smtp.Options) {
		o.Hooks.Connect = func(ctx context.Context, s *smtp.Session) error {
			return smtp.Reject(554, smtp.EnhancedCode{5, 7, 1}, "go away")
		}
	})
	c = dial(t, refused.addr)
	if text := c.expect(554); text != "5.7.1 go away" {
		t.Errorf("refused greeting %q", text)
	}
	if !c.closed() {
		t.Error("refused connection left open")
	}
}

// TestReverseName checks the forward-confirmed reverse DNS name of the
// client with a mock resolver: confirmed, unconfirmed and absent.
func TestReverseName(t *testing.T) {
	tests := []struct {
		name  string
		zones map[string]mockdns.Zone
		want  string
	}{
		{"confirmed", map[string]mockdns.Zone{
			"1.0.0.127.in-addr.arpa.": {PTR: []string{"Client.Example.com."}},
			"client.example.com.":     {A: []string{"127.0.0.1"}},
		}, "client.example.com"},
		{"not confirmed", map[string]mockdns.Zone{
			"1.0.0.127.in-addr.arpa.": {PTR: []string{"liar.example.com."}},
			"liar.example.com.":       {A: []string{"192.0.2.1"}},
		}, ""},
		{"no PTR", map[string]mockdns.Zone{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := &capture{}
			e := setup(t, func(o *smtp.Options) {
				o.Resolver = &mockdns.Resolver{Zones: tt.zones}
				got.install(o)
			})
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<dana@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("DATA", 354)
			c.send(message("iprev") + ".\r\n")
			c.expect(250)
			got.mu.Lock()
			defer got.mu.Unlock()
			if s := got.sess[0]; s.ReverseName != tt.want {
				t.Errorf("ReverseName = %q, want %q", s.ReverseName, tt.want)
			}
			want := "from client.example.com ([127.0.0.1])"
			if tt.want != "" {
				want = "from client.example.com (" + tt.want + " [127.0.0.1])"
			}
			if !strings.Contains(got.msgs[0], want) {
				t.Errorf("Received field lacks %q: %q", want, got.msgs[0][:120])
			}
		})
	}
}
