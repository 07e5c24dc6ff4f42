package mailtest_test

import (
	"crypto/tls"
	"net/smtp"
	"testing"

	"github.com/bulwarkmail/bulwark/mailtest"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

func TestTLS(t *testing.T) {
	srv := mailtest.NewServerTLS(t)
	if err := srv.AddAccount("alice@example.test", "secret"); err != nil {
		t.Fatal(err)
	}
	tc := srv.ClientTLSConfig()
	if tc == nil || srv.SubmissionsAddr() == "" || srv.IMAPSAddr() == "" {
		t.Fatalf("TLS server: config %v, submissions %q, imaps %q", tc,
			srv.SubmissionsAddr(), srv.IMAPSAddr())
	}
	t.Run("starttls", func(t *testing.T) {
		c, err := smtp.Dial(srv.SMTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
		if err := c.Mail("app@example.org"); err != nil {
			t.Fatalf("Mail: %v", err)
		}
		if err := c.Rcpt("alice@example.test"); err != nil {
			t.Fatalf("Rcpt: %v", err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(simpleMessage("app@example.org", "alice@example.test", "secure")))
		if err := w.Close(); err != nil {
			t.Fatalf("Data: %v", err)
		}
		m := srv.WaitMessage(t, "alice@example.test", wait)
		if m.Subject() != "secure" {
			t.Errorf("Subject = %q", m.Subject())
		}
	})
	t.Run("implicit submission", func(t *testing.T) {
		c, err := gosmtp.DialTLS(srv.SubmissionsAddr(), srv.ClientTLSConfig())
		if err != nil {
			t.Fatalf("DialTLS: %v", err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewPlainClient("", "alice@example.test", "secret")); err != nil {
			t.Fatalf("Auth: %v", err)
		}
		sendGoSMTP(t, c, "alice@example.test", []string{"bob@remote.test"},
			simpleMessage("alice@example.test", "bob@remote.test", "over tls"))
		if got := srv.WaitOutbound(t, wait).Subject(); got != "over tls" {
			t.Errorf("outbound Subject = %q", got)
		}
	})
	t.Run("implicit imap", func(t *testing.T) {
		c, err := imapclient.DialTLS(srv.IMAPSAddr(),
			&imapclient.Options{TLSConfig: srv.ClientTLSConfig()})
		if err != nil {
			t.Fatalf("DialTLS: %v", err)
		}
		defer c.Close()
		if err := c.Login("alice@example.test", "secret").Wait(); err != nil {
			t.Fatalf("Login: %v", err)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		_, err := tls.Dial("tcp", srv.IMAPSAddr(), &tls.Config{ServerName: "localhost"})
		if err == nil {
			t.Error("handshake without the test certificate succeeded")
		}
	})
}

func TestNoTLS(t *testing.T) {
	srv := newServer(t)
	if srv.ClientTLSConfig() != nil || srv.SubmissionsAddr() != "" || srv.IMAPSAddr() != "" {
		t.Error("plain server offers TLS")
	}
}
