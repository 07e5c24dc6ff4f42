package smtp_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// fakeRelay records what the submission server queues.
type fakeRelay struct {
	mu    sync.Mutex
	from  string
	rcpts []string
	msg   string
}

func (r *fakeRelay) Enqueue(ctx context.Context, from string, rcpts []string,
	rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.from, r.rcpts, r.msg = from, rcpts, string(b)
	return nil
}

func submission(relay smtp.Relay) func(o *smtp.Options) {
	return func(o *smtp.Options) {
		o.Mode = smtp.ModeSubmission
		if relay != nil {
			o.Relay = relay
		}
	}
}

func TestSubmissionNeedsTLSThenAuth(t *testing.T) {
	e := setup(t, submission(nil))
	c := dialGreeted(t, e.addr)
	ext := strings.Join(c.hello(), "|")
	if strings.Contains(ext, "AUTH") || !strings.Contains(ext, "STARTTLS") {
		t.Errorf("plain-text EHLO = %q, want STARTTLS and no AUTH", ext)
	}
	if text := c.cmd("AUTH PLAIN", 538); !strings.HasPrefix(text, "5.7.11") {
		t.Errorf("AUTH without TLS = %q, want 5.7.11", text)
	}
	c.cmd("MAIL FROM:<bob@example.test>", 530)

	// STARTTLS: pipelined commands after it are dropped (RFC 3207).
	c.send("STARTTLS\r\nHELP\r\n")
	c.expect(220)
	tc := tls.Client(c.c, e.tls)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	c.c, c.br = tc, bufio.NewReader(tc)
	c.cmd("NOOP", 250) // not 214: HELP was dropped
	c.cmd("MAIL FROM:<bob@example.test>", 503)
	ext = strings.Join(c.hello(), "|")
	if !strings.Contains(ext, "AUTH PLAIN LOGIN") || strings.Contains(ext, "STARTTLS") ||
		!strings.Contains(ext, "REQUIRETLS") {
		t.Errorf("EHLO under TLS = %q, want AUTH PLAIN LOGIN and REQUIRETLS", ext)
	}
	c.cmd("MAIL FROM:<bob@example.test>", 530)
	c.cmd("STARTTLS", 503)

	// AUTH LOGIN, wrong then right.
	c.cmd("AUTH LOGIN", 334)
	c.cmd(b64("bob@example.test"), 334)
	if text := c.cmd(b64("wrong"), 535); !strings.HasPrefix(text, "5.7.8") {
		t.Errorf("bad password = %q, want 5.7.8", text)
	}
	c.cmd("AUTH PLAIN", 334)
	c.cmd("*", 501)
	c.cmd("AUTH PLAIN not-base64!", 501)
	c.cmd("AUTH CRAM-MD5", 504)
	c.cmd("AUTH PLAIN "+b64("\x00bob@example.test\x00"+testPassword), 235)
	c.cmd("AUTH PLAIN "+b64("\x00bob@example.test\x00"+testPassword), 503)

	// The sender must belong to the principal.
	if text := c.cmd("MAIL FROM:<alice@example.org>", 553); !strings.HasPrefix(text, "5.7.1") {
		t.Errorf("foreign sender = %q, want 5.7.1", text)
	}
	c.cmd("MAIL FROM:<robert@example.test> REQUIRETLS AUTH=bob@example.test", 250)
	// No relay configured: remote recipients are deferred.
	if text := c.cmd("RCPT TO:<x@elsewhere.example>", 451); !strings.HasPrefix(text, "4.3.5") {
		t.Errorf("remote rcpt without relay = %q, want 4.3.5", text)
	}
	c.cmd("RCPT TO:<eli@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("submitted") + ".\r\n")
	c.expect(250)
	got := e.inbox(t, "eli@example.test")
	if len(got) != 1 || !strings.Contains(got[0], "with ESMTPSA") ||
		!strings.Contains(got[0], "TLS") {
		t.Fatalf("eli's inbox = %q, want a message received with ESMTPSA over TLS", got)
	}
}

func TestSubmissionGoSMTPRelay(t *testing.T) {
	relay := &fakeRelay{}
	e := setup(t, submission(relay))
	c, err := gosmtp.DialStartTLS(e.addr, e.tls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(sasl.NewPlainClient("", "bob@example.test", "nope"))
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) || se.Code != 535 {
		t.Fatalf("Auth with a bad password = %v, want 535", err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "bob@example.test", testPassword)); err != nil {
		t.Fatalf("Auth: %v", err)
	}
	msg := message("to the world")
	err = c.SendMail("bob@example.test", []string{"x@elsewhere.example", "amy@example.test",
		"y@elsewhere.example"}, strings.NewReader(msg))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	c.Quit()
	relay.mu.Lock()
	defer relay.mu.Unlock()
	if relay.from != "bob@example.test" ||
		strings.Join(relay.rcpts, ",") != "x@elsewhere.example,y@elsewhere.example" ||
		!strings.HasSuffix(relay.msg, msg) || strings.HasPrefix(relay.msg, "Return-Path") {
		t.Errorf("relay got from %q rcpts %q msg %q", relay.from, relay.rcpts, relay.msg)
	}
	if n := len(e.inbox(t, "amy@example.test")); n != 1 {
		t.Errorf("amy's inbox has %d messages, want 1", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	relay := &fakeRelay{}
	e := setup(t, func(o *smtp.Options) {
		submission(relay)(o)
		o.ImplicitTLS = true
	})
	c, err := gosmtp.DialTLS(e.addr, e.tls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered on implicit TLS")
	}
	if err := c.Auth(sasl.NewLoginClient("amy@example.test", testPassword)); err != nil {
		t.Fatalf("Auth LOGIN: %v", err)
	}
	err = c.SendMail("amy@example.test", []string{"bob@example.test"},
		strings.NewReader(message("implicit")))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 1 {
		t.Errorf("bob's inbox has %d messages, want 1", n)
	}
	if _, err := smtp.New(smtp.Options{ImplicitTLS: true}); err == nil {
		t.Error("New with ImplicitTLS and no certificate succeeded")
	}
}

func TestInsecureAuthAllowed(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		submission(nil)(o)
		o.TLSConfig = nil
		o.AllowInsecureAuth = true
	})
	c := dialGreeted(t, e.addr)
	if ext := strings.Join(c.hello(), "|"); !strings.Contains(ext, "AUTH PLAIN") {
		t.Fatalf("EHLO = %q, want AUTH offered", ext)
	}
	c.cmd("MAIL FROM:<eli@example.test>", 530)
	c.cmd("AUTH PLAIN "+b64("\x00eli@example.test\x00"+testPassword), 235)
	c.cmd("MAIL FROM:<eli@example.test>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestRelayNetworks lets a trusted network submit without AUTH and relay
// from an inbound server, and keeps others out.
func TestRelayNetworks(t *testing.T) {
	tests := []struct {
		name    string
		mode    smtp.Mode
		trusted string
		mail    int
		rcpt    int
	}{
		{"submission trusted", smtp.ModeSubmission, "127.0.0.0/8", 250, 250},
		{"submission other", smtp.ModeSubmission, "10.0.0.0/8", 530, 0},
		{"inbound trusted", smtp.ModeInbound, "127.0.0.1/32", 250, 250},
		{"inbound other", smtp.ModeInbound, "10.0.0.0/8", 250, 550},
		{"lmtp ignores it", smtp.ModeLMTP, "127.0.0.0/8", 250, 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			relay := &fakeRelay{}
			e := setup(t, func(o *smtp.Options) {
				o.Mode = tt.mode
				o.Relay = relay
				o.RelayNetworks = prefixes(tt.trusted)
			})
			c := dialGreeted(t, e.addr)
			if tt.mode == smtp.ModeLMTP {
				c.cmd("LHLO client.example.com", 250)
			} else {
				c.hello()
			}
			c.cmd("MAIL FROM:<app@example.com>", tt.mail)
			if tt.rcpt != 0 {
				c.cmd("RCPT TO:<x@elsewhere.example>", tt.rcpt)
			}
		})
	}
}
