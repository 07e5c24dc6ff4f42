package mailtest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/smtp"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// signed returns msg with a DKIM-Signature from signer on top.
func signed(t *testing.T, signer *mailauth.Signer, msg string) string {
	t.Helper()
	field, err := signer.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return field + msg
}

func TestSenderAuthentication(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	dns := srv.DNS()
	dns.AddSPF("shop.test", "v=spf1 ip4:127.0.0.1 -all")
	dns.AddDMARC("shop.test", "v=DMARC1; p=reject")
	dns.AddSPF("forged.test", "v=spf1 ip4:192.0.2.1 -all")
	dns.AddDMARC("forged.test", "v=DMARC1; p=reject")
	ed, err := dns.PublishDKIM("shop.test", "ed")
	if err != nil {
		t.Fatalf("PublishDKIM: %v", err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := dns.PublishDKIMKey("shop.test", "rsa", rsaKey)
	if err != nil {
		t.Fatalf("PublishDKIMKey: %v", err)
	}
	body := simpleMessage("news@shop.test", "alice@example.test", "offer")
	tests := []struct {
		name, from, msg string
		dkim            mailauth.DKIMStatus
		spf             mailauth.SPFResult
		dmarc           mailauth.DMARCStatus
	}{
		{"ed25519 signed", "news@shop.test", signed(t, ed, body),
			mailauth.DKIMPass, mailauth.SPFPass, mailauth.DMARCPass},
		{"rsa signed", "news@shop.test", signed(t, rs, body),
			mailauth.DKIMPass, mailauth.SPFPass, mailauth.DMARCPass},
		{"altered after signing", "news@shop.test",
			strings.Replace(signed(t, ed, body), "Hello", "Jello", 1),
			mailauth.DKIMFail, mailauth.SPFPass, mailauth.DMARCPass},
		{"unsigned from a forged sender", "news@forged.test",
			simpleMessage("news@forged.test", "alice@example.test", "forged"),
			"", mailauth.SPFFail, mailauth.DMARCFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := smtp.SendMail(srv.SMTPAddr(), nil, tt.from,
				[]string{"alice@example.test"}, []byte(tt.msg))
			if err != nil {
				t.Fatalf("SendMail: %v", err)
			}
			m := srv.WaitMessage(t, "alice@example.test", wait)
			if m.Auth == nil {
				t.Fatal("no authentication results")
			}
			var dkim mailauth.DKIMStatus
			if d := m.DKIM(); len(d) > 0 {
				dkim = d[0].Status
			}
			if dkim != tt.dkim || m.Auth.SPF.Result != tt.spf ||
				m.Auth.DMARC.Status != tt.dmarc {
				t.Errorf("dkim %q spf %q dmarc %q, want %q %q %q", dkim, m.Auth.SPF.Result,
					m.Auth.DMARC.Status, tt.dkim, tt.spf, tt.dmarc)
			}
			if want := tt.dmarc == mailauth.DMARCFail; m.Quarantined != want {
				t.Errorf("Quarantined = %v, want %v", m.Quarantined, want)
			}
			ar := m.Header.Get("Authentication-Results")
			if !strings.HasPrefix(ar, "mx.mailtest.test;") {
				t.Errorf("Authentication-Results = %q", ar)
			}
		})
	}
	ctx := context.Background()
	junk, err := srv.Store().MailboxByRole(ctx, "alice@example.test", "junk")
	if err != nil {
		t.Fatalf("MailboxByRole: %v", err)
	}
	entries, _, err := srv.Store().List(ctx, "alice@example.test", junk.ID)
	if err != nil || len(entries) != 1 {
		t.Errorf("Junk holds %d messages (%v), want the forged one", len(entries), err)
	}
}
