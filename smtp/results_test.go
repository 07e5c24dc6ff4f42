package smtp_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

// scriptedDelivery answers each recipient from a table keyed by address.
type scriptedDelivery map[string]error

func (d scriptedDelivery) Deliver(ctx context.Context, m *smtp.Message) ([]error, error) {
	if err, ok := d["*"]; ok {
		return nil, err
	}
	out := make([]error, len(m.Envelope.Recipients))
	for i, r := range m.Envelope.Recipients {
		out[i] = d[r.Address]
	}
	return out, nil
}

var (
	full = smtp.Reject(552, smtp.EnhancedCode{5, 2, 2}, "mailbox full for good")
	busy = smtp.Defer(smtp.EnhancedCode{4, 2, 0}, "mailbox busy")
)

// TestDeliveryResults checks the one reply of SMTP for mixed recipient
// results: any temporary failure defers the whole message, permanent
// failures of some recipients are accepted, of all are refused.
func TestDeliveryResults(t *testing.T) {
	tests := []struct {
		name  string
		d     scriptedDelivery
		want  int
		wantT string
	}{
		{"all delivered", scriptedDelivery{}, 250, "2.0.0"},
		{"one busy", scriptedDelivery{"eli@example.test": busy}, 451, "4.2.0"},
		{"one full", scriptedDelivery{"eli@example.test": full}, 250, "2.0.0"},
		{"all full", scriptedDelivery{"eli@example.test": full, "bob@example.test": full},
			552, "5.2.2"},
		{"plain error", scriptedDelivery{"bob@example.test": errors.New("disk on fire")},
			451, "4.3.0"},
		{"whole message", scriptedDelivery{"*": errors.New("store down")}, 451, "4.3.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, func(o *smtp.Options) { o.Delivery = tt.d })
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<dana@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("RCPT TO:<eli@example.test>", 250)
			c.cmd("DATA", 354)
			c.send(message("results") + ".\r\n")
			code, text := c.reply()
			if code != tt.want || !strings.HasPrefix(text, tt.wantT) ||
				strings.Contains(text, "fire") || strings.Contains(text, "down") {
				t.Errorf("reply = %d %s, want %d %s", code, text, tt.want, tt.wantT)
			}
		})
	}
}

// TestPanicInHook checks that a fault in a session ends it with 421 and
// leaves the server serving.
func TestPanicInHook(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.Hooks.Hello = func(ctx context.Context, s *smtp.Session, name string) error {
			if name == "boom" {
				panic("hook fault")
			}
			return nil
		}
	})
	c := dialGreeted(t, e.addr)
	if text := c.cmd("EHLO boom", 421); !strings.HasPrefix(text, "4.3.0") {
		t.Errorf("reply after panic = %q, want 4.3.0", text)
	}
	if !c.closed() {
		t.Error("connection open after a panic")
	}
	dialGreeted(t, e.addr).cmd("EHLO fine", 250)
}

// TestCloseAndForcedShutdown checks that Close and an expired Shutdown
// end busy connections.
func TestCloseAndForcedShutdown(t *testing.T) {
	for _, how := range []string{"close", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			release := make(chan struct{})
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			e := setup(t, func(o *smtp.Options) {
				o.Hooks.Mail = func(ctx context.Context, s *smtp.Session,
					env *smtp.Envelope) error {
					select { // a stuck hook, freed when the connection ends
					case <-ctx.Done():
					case <-release:
					}
					return ctx.Err()
				}
			})
			c := dialGreeted(t, e.addr)
			c.hello()
			c.send("MAIL FROM:<dana@example.com>\r\n")
			time.Sleep(50 * time.Millisecond)
			var err error
			if how == "close" {
				err = e.srv.Close()
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				err = e.srv.Shutdown(ctx)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
				}
				err = nil
			}
			if err != nil {
				t.Errorf("%s = %v", how, err)
			}
			c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadAll(c.br); err != nil && !strings.Contains(err.Error(), "reset") {
				t.Errorf("read after %s: %v, want the connection closed", how, err)
			}
		})
	}
}

func TestErrorType(t *testing.T) {
	e := smtp.Reject(550, smtp.EnhancedCode{5, 1, 1}, "no such user")
	if e.Error() != "smtp: 550 5.1.1 no such user" || e.Temporary() {
		t.Errorf("Reject = %q temporary %v", e.Error(), e.Temporary())
	}
	d := smtp.Defer(smtp.EnhancedCode{}, "later")
	if d.Error() != "smtp: 451 later" || !d.Temporary() {
		t.Errorf("Defer = %q temporary %v", d.Error(), d.Temporary())
	}
	wrapped := errors.Join(errors.New("context"), e)
	var got *smtp.Error
	if !errors.As(wrapped, &got) || got.Code != 550 {
		t.Errorf("errors.As on a wrapped Error = %v", got)
	}
	for m, want := range map[smtp.Mode]string{smtp.ModeInbound: "inbound",
		smtp.ModeSubmission: "submission", smtp.ModeLMTP: "lmtp"} {
		if m.String() != want {
			t.Errorf("Mode(%d).String() = %q, want %q", m, m.String(), want)
		}
	}
}

// envelopeRelay records what it is given through EnqueueEnvelope.
type envelopeRelay struct {
	fakeRelay
	env   *smtp.Envelope
	rcpts []*smtp.Recipient
}

func (r *envelopeRelay) EnqueueEnvelope(ctx context.Context, env *smtp.Envelope,
	rcpts []*smtp.Recipient, rd io.Reader) error {
	r.mu.Lock()
	r.env, r.rcpts = env, rcpts
	r.mu.Unlock()
	return r.Enqueue(ctx, env.ReversePath, nil, rd)
}

func TestEnvelopeRelay(t *testing.T) {
	relay := &envelopeRelay{}
	e := setup(t, submission(relay))
	c := dialGreeted(t, e.addr)
	c.hello()
	c.startTLS(e)
	c.hello()
	c.cmd("AUTH PLAIN "+b64("\x00bob@example.test\x00"+testPassword), 235)
	c.cmd("MAIL FROM:<bob@example.test> RET=FULL ENVID=e1 REQUIRETLS", 250)
	c.cmd("RCPT TO:<x@elsewhere.example> NOTIFY=SUCCESS ORCPT=rfc822;x@elsewhere.example", 250)
	c.cmd("DATA", 354)
	c.send(message("with envelope") + ".\r\n")
	c.expect(250)
	relay.mu.Lock()
	defer relay.mu.Unlock()
	env, rcpts := relay.env, relay.rcpts
	if env == nil || env.Ret != "FULL" || env.EnvID != "e1" || !env.RequireTLS ||
		len(rcpts) != 1 || rcpts[0].Notify[0] != "SUCCESS" ||
		rcpts[0].ORcpt != "rfc822;x@elsewhere.example" {
		t.Errorf("relay envelope = %+v rcpts %+v", relay.env, relay.rcpts)
	}
}
