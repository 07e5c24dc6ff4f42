package mailtest_test

import (
	"errors"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
)

func TestFailRecipient(t *testing.T) {
	srv := newServer(t, "alice@example.test", "carol@example.test")
	srv.FailRecipient("bob@remote.test", 451, "Try again later")
	srv.FailRecipient("Alice@Example.test", 550, "No such user here")
	srv.FailRecipient("dan@remote.test", 299, "Not a failure code")
	tests := []struct {
		name, addr string
		port       string
		code       int
		enhanced   gosmtp.EnhancedCode
		text       string
	}{
		{"temporary remote", "bob@remote.test", srv.SMTPAddr(), 451,
			gosmtp.EnhancedCode{4, 0, 0}, "Try again later"},
		{"permanent local", "alice@example.test", srv.SMTPAddr(), 550,
			gosmtp.EnhancedCode{5, 0, 0}, "No such user here"},
		{"submission", "bob@remote.test", srv.SubmissionAddr(), 451,
			gosmtp.EnhancedCode{4, 0, 0}, "Try again later"},
		{"odd code becomes 550", "dan@remote.test", srv.SMTPAddr(), 550,
			gosmtp.EnhancedCode{5, 0, 0}, "Not a failure code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := ""
			if tt.port == srv.SubmissionAddr() {
				user = "carol@example.test"
			}
			c := dialGoSMTP(t, tt.port, user)
			if err := c.Mail("carol@example.test", nil); err != nil {
				t.Fatalf("Mail: %v", err)
			}
			err := c.Rcpt(tt.addr, nil)
			var se *gosmtp.SMTPError
			if !errors.As(err, &se) {
				t.Fatalf("Rcpt = %v, want an SMTP error", err)
			}
			if se.Code != tt.code || se.EnhancedCode != tt.enhanced || se.Message != tt.text {
				t.Errorf("Rcpt = %d %v %q, want %d %v %q", se.Code, se.EnhancedCode,
					se.Message, tt.code, tt.enhanced, tt.text)
			}
			// Other recipients of the transaction are unaffected.
			if err := c.Rcpt("carol@example.test", nil); err != nil {
				t.Errorf("Rcpt of another address = %v", err)
			}
		})
	}
	t.Run("cleared", func(t *testing.T) {
		srv.ClearFailures()
		c := dialGoSMTP(t, srv.SMTPAddr(), "")
		if err := c.Mail("carol@example.test", nil); err != nil {
			t.Fatalf("Mail: %v", err)
		}
		if err := c.Rcpt("bob@remote.test", nil); err != nil {
			t.Errorf("Rcpt after ClearFailures = %v", err)
		}
	})
}

// Greylisting as a client sees it: deferred once, accepted on retry.
func TestFailRecipientN(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	srv.FailRecipientN("alice@example.test", 1, 450, "Greylisted, come back later")
	msg := simpleMessage("app@example.org", "alice@example.test", "grey")
	c := dialGoSMTP(t, srv.SMTPAddr(), "")
	err := c.SendMail("app@example.org", []string{"alice@example.test"}, stringsReader(msg))
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) || se.Code != 450 || !se.Temporary() {
		t.Fatalf("first attempt = %v, want 450", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	sendGoSMTP(t, c, "app@example.org", []string{"alice@example.test"}, msg)
	if got := srv.WaitMessage(t, "alice@example.test", wait).Subject(); got != "grey" {
		t.Errorf("Subject = %q", got)
	}
}
