package smtp_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp"
	gosmtp "github.com/emersion/go-smtp"
)

func lmtp(o *smtp.Options) { o.Mode = smtp.ModeLMTP }

// TestLMTPPerRecipientReplies delivers to three recipients, one over
// quota, and checks one reply per recipient (RFC 2033, section 4.2).
func TestLMTPPerRecipientReplies(t *testing.T) {
	e := setup(t, lmtp)
	if err := e.store.SetQuota(context.Background(), "amy@example.test", 10, 0); err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	c := gosmtp.NewClientLMTP(nc)
	defer c.Close()
	if err := c.Hello("client.example.com"); err != nil {
		t.Fatalf("LHLO: %v", err)
	}
	if err := c.Mail("dana@example.com", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"bob@example.test", "amy@example.test", "eli@example.test"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("Rcpt(%s): %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(message("lmtp")))
	resp, err := w.CloseWithLMTPResponse()
	var lerr gosmtp.LMTPDataError
	if !errors.As(err, &lerr) || len(lerr) != 1 {
		t.Fatalf("LMTP data = %v, want one recipient error", err)
	}
	if se := lerr["amy@example.test"]; se == nil || se.Code != 452 ||
		se.EnhancedCode != (gosmtp.EnhancedCode{4, 2, 2}) {
		t.Errorf("amy's reply = %v, want 452 4.2.2", se)
	}
	if resp["bob@example.test"] == nil || resp["eli@example.test"] == nil {
		t.Errorf("responses = %v, want bob and eli delivered", resp)
	}
	if len(e.inbox(t, "bob@example.test")) != 1 || len(e.inbox(t, "amy@example.test")) != 0 {
		t.Error("stored mail does not match the replies")
	}
}

// TestLMTPWholeMessageFailure checks that a failure of the whole message
// is also answered once per recipient.
func TestLMTPWholeMessageFailure(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		lmtp(o)
		o.MaxMessageSize = 50
	})
	c := dialGreeted(t, e.addr)
	c.cmd("EHLO x", 500)
	c.cmd("LHLO client.example.com", 250)
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("RCPT TO:<x@elsewhere.example>", 550)
	c.cmd("RCPT TO:<eli@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("Subject: too big\r\n\r\n" + strings.Repeat("x", 100) + "\r\n.\r\n")
	c.expect(552)
	c.expect(552)
	c.cmd("NOOP", 250)
	// BDAT LAST gives per-recipient replies too.
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("RCPT TO:<eli@example.test>", 250)
	c.send("BDAT 10 LAST\r\nSubject: x")
	c.expect(250)
	c.expect(250)
	c.cmd("NOOP", 250)
}
