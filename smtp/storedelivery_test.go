package smtp_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
)

// TestListExpansion delivers to a list with local and outside members:
// the local ones get one stored copy each, the outside ones go to the
// relay in one call.
func TestListExpansion(t *testing.T) {
	relay := &fakeRelay{}
	e := setup(t, func(o *smtp.Options) { o.Relay = relay })
	list := directory.Principal{Name: "team@example.test", Type: directory.List,
		Emails:  []string{"team@example.test"},
		Members: []string{"bob@example.test", "eli@example.test", "outside@elsewhere.example"}}
	if err := e.dir.CreatePrincipal(context.Background(), list, ""); err != nil {
		t.Fatal(err)
	}
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<team@example.test>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250) // also a member: one copy only
	c.cmd("DATA", 354)
	c.send(message("to the team") + ".\r\n")
	c.expect(250)
	for _, acct := range []string{"bob@example.test", "eli@example.test"} {
		if n := len(e.inbox(t, acct)); n != 1 {
			t.Errorf("inbox(%s) has %d messages, want 1", acct, n)
		}
	}
	relay.mu.Lock()
	defer relay.mu.Unlock()
	if strings.Join(relay.rcpts, ",") != "outside@elsewhere.example" ||
		relay.from != "dana@example.com" {
		t.Errorf("relay got %q from %q, want the outside member", relay.rcpts, relay.from)
	}
}

// TestAccountCreatedOnDelivery checks that a principal without a mail
// store account gets one on first delivery.
func TestAccountCreatedOnDelivery(t *testing.T) {
	e := setup(t, nil)
	p := directory.Principal{Name: "new@example.test", Emails: []string{"new@example.test"}}
	if err := e.dir.CreatePrincipal(context.Background(), p, ""); err != nil {
		t.Fatal(err)
	}
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<new@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("welcome") + ".\r\n")
	c.expect(250)
	if n := len(e.inbox(t, "new@example.test")); n != 1 {
		t.Errorf("new account's inbox has %d messages, want 1", n)
	}
}

// TestRoute files, discards and refuses per account through
// StoreDelivery.Route, as the Sieve stage will.
func TestRoute(t *testing.T) {
	var store *mailstore.Store // set before the server starts
	route := func(ctx context.Context, m *smtp.Message, account string,
		rcpts []*smtp.Recipient) ([]mailstore.Recipient, error) {
		switch {
		case account == "eli@example.test":
			return nil, nil // discard
		case account == "amy@example.test":
			return nil, smtp.Reject(550, smtp.EnhancedCode{5, 7, 1}, "refused by filter")
		case rcpts[0].Tag == "junk":
			mb, err := store.MailboxByName(ctx, account, "Junk")
			if err != nil {
				return nil, err
			}
			return []mailstore.Recipient{{Mailbox: mb.ID, Keywords: []string{"$junk"}}}, nil
		}
		return []mailstore.Recipient{{}}, nil
	}
	e := setupEnv(t, func(o *smtp.Options, se *env) {
		o.Mode = smtp.ModeLMTP
		o.Delivery = &smtp.StoreDelivery{Store: se.store, Route: route}
		store = se.store
	})
	c := dialGreeted(t, e.addr)
	c.cmd("LHLO client.example.com", 250)
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	for _, r := range []string{"bob+junk@example.test", "eli@example.test", "amy@example.test"} {
		c.cmd("RCPT TO:<"+r+">", 250)
	}
	c.cmd("DATA", 354)
	c.send(message("routed") + ".\r\n")
	c.expect(250)
	c.expect(250)
	if text := c.expect(550); text != "5.7.1 refused by filter" {
		t.Errorf("amy's reply = %q", text)
	}
	ctx := context.Background()
	junk, err := e.store.MailboxByName(ctx, "bob@example.test", "Junk")
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := e.store.List(ctx, "bob@example.test", junk.ID)
	if err != nil || len(entries) != 1 || !slices.Contains(entries[0].Keywords, "$junk") {
		t.Errorf("bob's Junk = %+v, %v, want one message with $junk", entries, err)
	}
	for _, acct := range []string{"bob@example.test", "eli@example.test", "amy@example.test"} {
		if n := len(e.inbox(t, acct)); n != 0 {
			t.Errorf("inbox(%s) has %d messages, want 0", acct, n)
		}
	}
}
