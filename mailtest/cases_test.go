package mailtest_test

import (
	"net/smtp"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// Case 017: the null reverse-path of auto-replies and bounces is
// accepted, SPF checks postmaster@HELO (RFC 7208, section 2.4), and a
// failing SPF reaches the DMARC decision rather than a syntax error.
func TestCase017NullReversePath(t *testing.T) {
	autoReply := crlf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: amy@example.test
Subject: Automatic reply: travelling
Auto-Submitted: auto-replied
Date: Thu, 03 Dec 2026 19:00:00 +0000
Message-ID: <auto-0017@mx.example.org>
Content-Type: text/plain; charset=us-ascii

I am away until Monday.
`)
	tests := []struct {
		name  string
		spf   string
		want  mailauth.SPFResult
		dmarc mailauth.DMARCStatus
	}{
		{"spf pass", "v=spf1 ip4:127.0.0.1 -all", mailauth.SPFPass, mailauth.DMARCPass},
		{"spf fail", "v=spf1 ip4:192.0.2.25 -all", mailauth.SPFFail, mailauth.DMARCFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, "amy@example.test")
			srv.DNS().AddSPF("mx.example.org", tt.spf)
			srv.DNS().AddDMARC("mx.example.org", "v=DMARC1; p=reject")
			c, err := smtp.Dial(srv.SMTPAddr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			steps := []struct {
				name string
				do   func() error
			}{
				{"EHLO", func() error { return c.Hello("mx.example.org") }},
				{"MAIL FROM:<>", func() error { return c.Mail("") }},
				{"RCPT", func() error { return c.Rcpt("amy@example.test") }},
				{"DATA", func() error {
					w, err := c.Data()
					if err != nil {
						return err
					}
					w.Write([]byte(autoReply))
					return w.Close()
				}},
			}
			for _, s := range steps {
				if err := s.do(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
			}
			c.Quit()
			m := srv.WaitMessage(t, "amy@example.test", wait)
			if m.Envelope.From != "" || !strings.HasPrefix(string(m.Raw()), "Return-Path: <>\r\n") {
				t.Errorf("reverse-path %q, raw starts %.40q", m.Envelope.From, m.Raw())
			}
			spf := m.Auth.SPF
			if spf.Result != tt.want || spf.Sender != "postmaster@mx.example.org" {
				t.Errorf("SPF = %s for %s, want %s for postmaster@mx.example.org",
					spf.Result, spf.Sender, tt.want)
			}
			if m.Auth.DMARC.Status != tt.dmarc {
				t.Errorf("DMARC = %s, want %s", m.Auth.DMARC.Status, tt.dmarc)
			}
			ar := m.Header.Get("Authentication-Results")
			if !strings.Contains(ar, "spf="+string(tt.want)) {
				t.Errorf("Authentication-Results = %q", ar)
			}
		})
	}
}
