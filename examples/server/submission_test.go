package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// trustServer returns a TLS configuration that trusts the self-signed
// certificate of p.
func trustServer(t *testing.T, p *serverProcess) *tls.Config {
	t.Helper()
	pemData, err := os.ReadFile(filepath.Join(p.data, "tls-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("no certificate in tls-cert.pem")
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// TestSubmissionToLocalAccount submits a message with STARTTLS and AUTH
// on the submission port and reads it from the recipient's INBOX over
// IMAP with implicit TLS.
func TestSubmissionToLocalAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{
		"alice@example.test": "alice-secret", "bob@example.test": "bob-secret",
	}, false)
	waitListening(t, p.submission, p)
	waitListening(t, p.imaps, p)
	tc := trustServer(t, p)

	c, err := smtp.Dial(p.submission)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("submission offers AUTH before STARTTLS")
	}
	if err := c.StartTLS(tc); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	auth := smtp.PlainAuth("", "bob@example.test", "bob-secret", "127.0.0.1")
	if err := c.Auth(auth); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if err := c.Mail("alice@example.test"); err == nil {
		t.Error("submission let bob send as alice")
	}
	c.Reset()
	msg := "From: bob@example.test\r\nTo: alice@example.test\r\n" +
		"Subject: lunch\r\n\r\nAt noon?\r\n"
	if err := c.Mail("bob@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("alice@example.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(msg))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()

	ic, err := imapclient.DialTLS(p.imaps, &imapclient.Options{TLSConfig: tc})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("alice@example.test", "alice-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := ic.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("INBOX has %d messages, want 1", sel.NumMessages)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := ic.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{
		Envelope: true, BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[0].Envelope.Subject; got != "lunch" {
		t.Errorf("subject %q, want %q", got, "lunch")
	}
	body := string(msgs[0].FindBodySection(section))
	if !strings.HasSuffix(body, msg) {
		t.Errorf("fetched message does not end with the submitted one:\n%s", body)
	}
	ic.Logout().Wait()
}

func imapSeq1() imap.SeqSet { return imap.SeqSetNum(1) }

func flagsOnly() *imap.FetchOptions { return &imap.FetchOptions{Flags: true} }

func hasFlag(flags []imap.Flag, want imap.Flag) bool {
	for _, f := range flags {
		if strings.EqualFold(string(f), string(want)) {
			return true
		}
	}
	return false
}
