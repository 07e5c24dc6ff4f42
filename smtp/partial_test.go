package smtp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp"
	gosmtp "github.com/emersion/go-smtp"
)

// failureRelay is a Relay that also takes failed recipients.
type failureRelay struct {
	fakeRelay
	fail   error
	mu     sync.Mutex
	from   string
	failed []smtp.Failure
	msg    string
}

func (r *failureRelay) EnqueueFailures(ctx context.Context, env *smtp.Envelope,
	failed []smtp.Failure, rd io.Reader) error {
	if r.fail != nil {
		return r.fail
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.from, r.failed, r.msg = env.ReversePath, failed, string(b)
	return nil
}

func (r *failureRelay) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, f := range r.failed {
		out = append(out, f.Recipient.Address+" "+strings.TrimSpace(
			strings.Join([]string{itoa(f.Code), f.Status, f.Text}, " ")))
	}
	return out
}

// sendWithGoSMTP sends one message to rcpts with go-smtp as the client
// and returns the error of the data command.
func sendWithGoSMTP(t *testing.T, addr, from string, rcpts []string) error {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := gosmtp.NewClient(nc)
	defer c.Close()
	if err := c.Hello("client.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("RCPT %s: %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, message("partial")); err != nil {
		t.Fatal(err)
	}
	err = w.Close()
	if qerr := c.Quit(); qerr != nil {
		t.Errorf("QUIT: %v", qerr)
	}
	return err
}

// TestPartialFailureHandedOver checks RFC 5321, section 6.1 over a real
// client: once a message is stored for some recipients, those that
// failed go to a FailureRelay and the client gets 250, so it does not
// send the message again; without one, or when it fails, the reply is
// for the whole message as before.
func TestPartialFailureHandedOver(t *testing.T) {
	tests := []struct {
		name     string
		d        scriptedDelivery
		relayErr error
		noRelay  bool
		want     int // reply code of the data; 250 for success
		handed   []string
	}{
		{name: "busy recipient retried", d: scriptedDelivery{"eli@example.test": busy},
			want: 250, handed: []string{"eli@example.test 451 4.2.0 mailbox busy"}},
		{name: "full recipient notified", d: scriptedDelivery{"eli@example.test": full},
			want: 250, handed: []string{"eli@example.test 552 5.2.2 mailbox full for good"}},
		{name: "local error retried",
			d:    scriptedDelivery{"bob@example.test": errors.New("disk on fire")},
			want: 250, handed: []string{"bob@example.test 451 4.3.0 Local error in processing, try again later"}},
		{name: "relay refuses, busy defers", d: scriptedDelivery{"eli@example.test": busy},
			relayErr: errors.New("queue down"), want: 451},
		{name: "relay refuses, full accepted", d: scriptedDelivery{"eli@example.test": full},
			relayErr: errors.New("queue down"), want: 250},
		{name: "no failure relay, busy defers", d: scriptedDelivery{"eli@example.test": busy},
			noRelay: true, want: 451},
		{name: "nothing stored", want: 451,
			d: scriptedDelivery{"eli@example.test": busy, "bob@example.test": full}},
		{name: "all full", want: 552,
			d: scriptedDelivery{"eli@example.test": full, "bob@example.test": full}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			relay := &failureRelay{fail: tt.relayErr}
			e := setup(t, func(o *smtp.Options) {
				o.Delivery = tt.d
				if tt.noRelay {
					o.Relay = &relay.fakeRelay
				} else {
					o.Relay = relay
				}
			})
			err := sendWithGoSMTP(t, e.addr, "dana@example.com",
				[]string{"bob@example.test", "eli@example.test"})
			var se *gosmtp.SMTPError
			switch {
			case tt.want == 250 && err != nil:
				t.Fatalf("data = %v, want 250", err)
			case tt.want != 250 && (!errors.As(err, &se) || se.Code != tt.want):
				t.Fatalf("data = %v, want %d", err, tt.want)
			}
			if got := relay.got(); strings.Join(got, "|") != strings.Join(tt.handed, "|") {
				t.Errorf("handed over %q, want %q", got, tt.handed)
			}
			if len(tt.handed) > 0 && (relay.from != "dana@example.com" ||
				!strings.HasPrefix(relay.msg, "Received: from ") ||
				!strings.HasSuffix(relay.msg, message("partial"))) {
				t.Errorf("handed over from %q:\n%s", relay.from, relay.msg)
			}
		})
	}
}

// TestPartialFailureLMTPRepliesPerRecipient checks that LMTP keeps its
// per-recipient replies and hands nothing over.
func TestPartialFailureLMTPRepliesPerRecipient(t *testing.T) {
	relay := &failureRelay{}
	e := setup(t, func(o *smtp.Options) {
		lmtp(o)
		o.Delivery = scriptedDelivery{"eli@example.test": busy}
		o.Relay = relay
	})
	c := dialGreeted(t, e.addr)
	c.cmd("LHLO client.example.com", 250)
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("RCPT TO:<eli@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("lmtp") + ".\r\n")
	c.expect(250)
	if text := c.expect(451); !strings.HasPrefix(text, "4.2.0") {
		t.Errorf("eli's reply = %q, want 4.2.0", text)
	}
	if got := relay.got(); len(got) != 0 {
		t.Errorf("LMTP handed over %q", got)
	}
}
