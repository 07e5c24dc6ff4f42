package imap

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// fillMailbox appends n generated messages to the account's INBOX
// straight through the store; every 100th has the subject word
// "kumquat" and every 50th the body word "xylophonic".
func fillMailbox(tb testing.TB, env *testEnv, account string, n int) {
	tb.Helper()
	ctx := context.Background()
	mb, err := env.store.MailboxByName(ctx, account, "INBOX")
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		subj := fmt.Sprintf("message %d", i)
		if i%100 == 0 {
			subj += " kumquat"
		}
		body := strings.Repeat("lorem ipsum dolor sit amet ", 20)
		if i%50 == 0 {
			body += "xylophonic"
		}
		msg := fmt.Sprintf("From: Sender %d <s%d@example.test>\r\nTo: r@example.test\r\n"+
			"Subject: %s\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n"+
			"Message-ID: <m%d@example.test>\r\nContent-Type: text/plain\r\n\r\n%s\r\n",
			i, i, subj, i, body)
		kw := []string(nil)
		if i%3 == 0 {
			kw = []string{"$seen"}
		}
		if _, _, err := env.store.Append(ctx, account, mb.ID, strings.NewReader(msg), kw,
			base.Add(time.Duration(i)*time.Minute)); err != nil {
			tb.Fatalf("Append %d: %v", i, err)
		}
	}
	_ = mailstore.RoleInbox
}

// TestLargeMailbox runs SELECT, FETCH 1:*, SEARCH and SORT on 10,000
// messages.
func TestLargeMailbox(t *testing.T) {
	if testing.Short() {
		t.Skip("large mailbox in -short mode")
	}
	n := 10000
	if raceEnabled {
		n = 1000
	}
	env := newEnv(t, []string{"big@example.test"}, nil)
	start := time.Now()
	fillMailbox(t, env, "big@example.test", n)
	t.Logf("fill %d: %v", n, time.Since(start))
	start = time.Now()
	defer func() { t.Logf("commands: %v", time.Since(start)) }()
	c := env.login("big@example.test")
	if lines := c.ok("SELECT INBOX"); !hasLine(lines, fmt.Sprintf("* %d EXISTS", n)) {
		t.Fatalf("SELECT = %q", lines)
	}
	lines := c.ok("FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE)")
	if len(lines) != n || !strings.HasPrefix(lines[n-1], fmt.Sprintf("* %d FETCH (FLAGS", n)) {
		t.Fatalf("FETCH 1:* returned %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	lines = c.ok("UID SEARCH SUBJECT kumquat")
	if len(lines) != 1 || len(strings.Fields(lines[0]))-2 != n/100 {
		t.Errorf("SEARCH SUBJECT found %q", lines)
	}
	lines = c.ok("UID SEARCH BODY xylophonic")
	if len(lines) != 1 || len(strings.Fields(lines[0]))-2 != n/50 {
		t.Errorf("SEARCH BODY found %d", len(strings.Fields(lines[0]))-2)
	}
	lines = c.ok("SORT (REVERSE ARRIVAL) UTF-8 UNSEEN")
	f := strings.Fields(lines[0])
	if len(f)-2 != n-n/3 || f[2] != fmt.Sprint(n) {
		t.Errorf("SORT = %d results, first %s", len(f)-2, f[2])
	}
}
