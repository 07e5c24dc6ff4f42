package smtp_test

import (
	"context"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/smtp"
)

// TestPostmaster checks RFC 5321, section 4.5.1: "<Postmaster>" and
// postmaster at every local domain, in any case, are accepted without
// an account of that name and reach Options.Postmaster; postmaster at
// other domains is still not relayed.
func TestPostmaster(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.Postmaster = "amy@example.test" })
	addrs := []string{"postmaster@example.test", "PostMaster@example.org",
		"POSTMASTER@EXAMPLE.TEST"}
	for _, a := range addrs {
		if err := sendWithGoSMTP(t, e.addr, "dana@example.com", []string{a}); err != nil {
			t.Errorf("mail to %s: %v", a, err)
		}
	}
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<Postmaster>", 250)
	c.cmd("RCPT TO:<postmaster@elsewhere.example>", 550)
	c.cmd("DATA", 354)
	c.send(message("bare") + ".\r\n")
	c.expect(250)
	if n := len(e.inbox(t, "amy@example.test")); n != len(addrs)+1 {
		t.Errorf("postmaster account has %d messages, want %d", n, len(addrs)+1)
	}
}

// TestPostmasterDirectoryFirst checks that an address the directory
// knows wins over Options.Postmaster, and that without the option an
// unknown postmaster address is refused as any other.
func TestPostmasterDirectoryFirst(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.Postmaster = "amy@example.test" })
	alias := directory.Principal{Name: "pm@example.org", Type: directory.List,
		Emails: []string{"postmaster@example.org"}, Members: []string{"alice@example.org"}}
	if err := e.dir.CreatePrincipal(context.Background(), alias, ""); err != nil {
		t.Fatal(err)
	}
	if err := sendWithGoSMTP(t, e.addr, "dana@example.com",
		[]string{"postmaster@example.org"}); err != nil {
		t.Fatal(err)
	}
	if len(e.inbox(t, "alice@example.org")) != 1 || len(e.inbox(t, "amy@example.test")) != 0 {
		t.Error("postmaster@example.org did not follow the directory")
	}

	plain := setup(t, nil)
	c := dialGreeted(t, plain.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<postmaster@example.test>", 550)
}
