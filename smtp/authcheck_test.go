package smtp_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/foxcpp/go-mockdns"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/smtp"
)

// authZones serves three sender domains: good.example (SPF allows
// loopback, DKIM key s1, DMARC reject), strict.example (SPF denies
// loopback, DMARC reject) and soft.example (SPF denies loopback, DMARC
// quarantine).
func authZones(t *testing.T) (map[string]mockdns.Zone, ed25519.PrivateKey) {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	txt := func(v string) mockdns.Zone { return mockdns.Zone{TXT: []string{v}} }
	return map[string]mockdns.Zone{
		"good.example.":        txt("v=spf1 ip4:127.0.0.1 -all"),
		"_dmarc.good.example.": txt("v=DMARC1; p=reject"),
		"s1._domainkey.good.example.": txt("v=DKIM1; k=ed25519; p=" +
			base64.StdEncoding.EncodeToString(pub)),
		"strict.example.":        txt("v=spf1 ip4:192.0.2.1 -all"),
		"_dmarc.strict.example.": txt("v=DMARC1; p=reject"),
		"soft.example.":          txt("v=spf1 ip4:192.0.2.1 -all"),
		"_dmarc.soft.example.":   txt("v=DMARC1; p=quarantine"),
	}, key
}

func authEnv(t *testing.T, check *smtp.AuthCheck) *env {
	t.Helper()
	zones, _ := authZones(t)
	check.Verifier = &mailauth.Verifier{
		Resolver: &mockdns.Resolver{Zones: zones},
		Hostname: "mx.example.test",
	}
	return setup(t, func(o *smtp.Options) { o.Hooks = check.Hooks(o.Hooks) })
}

// sendFrom runs one transaction from the reverse-path, with msg as DATA,
// and returns the final reply code.
func sendFrom(t *testing.T, e *env, from, msg string) int {
	t.Helper()
	c := dialGreeted(t, e.addr)
	c.hello()
	c.send("MAIL FROM:<" + from + ">\r\n")
	if code, _ := c.reply(); code != 250 {
		return code
	}
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(msg + ".\r\n")
	code, _ := c.reply()
	return code
}

func TestAuthCheckWritesResultsAndDropsForgedOnes(t *testing.T) {
	zones, key := authZones(t)
	check := &smtp.AuthCheck{Verifier: &mailauth.Verifier{
		Resolver: &mockdns.Resolver{Zones: zones}, Hostname: "mx.example.test",
	}}
	e := setup(t, func(o *smtp.Options) { o.Hooks = check.Hooks(o.Hooks) })

	msg := "From: ann@good.example\r\nTo: bob@example.test\r\nSubject: signed\r\n\r\nHello\r\n"
	signer := &mailauth.Signer{Domain: "good.example", Selector: "s1", Key: key}
	sig, err := signer.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	forged := "Authentication-Results: mx.example.test; dmarc=pass\r\n"
	if code := sendFrom(t, e, "ann@good.example", forged+sig+msg); code != 250 {
		t.Fatalf("DATA reply %d, want 250", code)
	}
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 {
		t.Fatalf("inbox holds %d messages, want 1", len(got))
	}
	if strings.Count(got[0], "Authentication-Results:") != 1 {
		t.Errorf("forged Authentication-Results kept:\n%s", got[0])
	}
	for _, want := range []string{"spf=pass", "dkim=pass", "dmarc=pass"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("stored message lacks %q:\n%s", want, got[0])
		}
	}
}

func TestAuthCheckDMARCDispositions(t *testing.T) {
	msg := func(from string) string {
		return "From: " + from + "\r\nTo: bob@example.test\r\nSubject: x\r\n\r\nbody\r\n"
	}
	t.Run("reject refused", func(t *testing.T) {
		e := authEnv(t, &smtp.AuthCheck{})
		if code := sendFrom(t, e, "eve@strict.example", msg("eve@strict.example")); code != 550 {
			t.Errorf("DATA reply %d, want 550", code)
		}
		if n := len(e.inbox(t, "bob@example.test")); n != 0 {
			t.Errorf("refused message stored (%d in inbox)", n)
		}
	})
	t.Run("reject accepted into junk", func(t *testing.T) {
		e := authEnv(t, &smtp.AuthCheck{AcceptDMARCReject: true})
		if code := sendFrom(t, e, "eve@strict.example", msg("eve@strict.example")); code != 250 {
			t.Fatalf("DATA reply %d, want 250", code)
		}
		assertJunk(t, e, 1)
	})
	t.Run("quarantine to junk", func(t *testing.T) {
		e := authEnv(t, &smtp.AuthCheck{})
		if code := sendFrom(t, e, "eve@soft.example", msg("eve@soft.example")); code != 250 {
			t.Fatalf("DATA reply %d, want 250", code)
		}
		assertJunk(t, e, 1)
		if n := len(e.inbox(t, "bob@example.test")); n != 0 {
			t.Errorf("quarantined message in the inbox")
		}
	})
	t.Run("spf fail refused at MAIL", func(t *testing.T) {
		e := authEnv(t, &smtp.AuthCheck{RejectSPFFail: true})
		if code := sendFrom(t, e, "eve@strict.example", msg("eve@strict.example")); code != 550 {
			t.Errorf("MAIL reply %d, want 550", code)
		}
	})
}

func assertJunk(t *testing.T, e *env, want int) {
	t.Helper()
	ctx := context.Background()
	junk, err := e.store.MailboxByRole(ctx, "bob@example.test", "junk")
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := e.store.List(ctx, "bob@example.test", junk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != want {
		t.Errorf("Junk holds %d messages, want %d", len(entries), want)
	}
}
