package imap

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var highestRE = regexp.MustCompile(`HIGHESTMODSEQ (\d+)`)

func highest(t *testing.T, lines []string) string {
	t.Helper()
	for _, l := range lines {
		if m := highestRE.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no HIGHESTMODSEQ in %q", lines)
	return ""
}

// TestQresyncResync changes and expunges messages in one session and
// checks that a client resynchronising with QRESYNC (RFC 7162 section
// 3.2.5) and CHANGEDSINCE learns exactly what changed.
func TestQresyncResync(t *testing.T) {
	env := newEnv(t, []string{"qr@example.test"}, nil)
	a := env.login("qr@example.test")
	for i := 1; i <= 6; i++ {
		a.appendMsg("INBOX", "", simpleMsg(fmt.Sprintf("q%d", i), "x"))
	}
	a.ok("ENABLE QRESYNC")
	sel := a.ok("SELECT INBOX")
	modseq := highest(t, sel)
	validity := strings.TrimSuffix(strings.Fields(uidValidity(sel))[1], "]")
	a.ok("LOGOUT")

	b := env.login("qr@example.test")
	b.ok("SELECT INBOX")
	b.ok(`UID STORE 2 +FLAGS (\Flagged)`)
	b.ok(`UID STORE 4,5 +FLAGS (\Deleted)`)
	b.ok("EXPUNGE")

	c := env.login("qr@example.test")
	c.ok("ENABLE QRESYNC")
	lines := c.ok(fmt.Sprintf("SELECT INBOX (QRESYNC (%s %s 1:6))", validity, modseq))
	if !hasLine(lines, "* VANISHED (EARLIER) 4:5") {
		t.Errorf("QRESYNC SELECT lacks VANISHED: %q", lines)
	}
	fetches := 0
	for _, l := range lines {
		if strings.Contains(l, " FETCH ") {
			fetches++
			if !strings.Contains(l, "UID 2 ") || !strings.Contains(l, `\Flagged`) {
				t.Errorf("unexpected FETCH %q", l)
			}
		}
	}
	if fetches != 1 {
		t.Errorf("QRESYNC SELECT sent %d FETCH, want 1: %q", fetches, lines)
	}
	lines = c.ok(fmt.Sprintf("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %s VANISHED)", modseq))
	if !hasLine(lines, "VANISHED (EARLIER) 4:5") || !hasLine(lines, "UID 2") || len(lines) != 2 {
		t.Errorf("CHANGEDSINCE VANISHED = %q", lines)
	}
	// A conditional STORE fails for a message changed since.
	_, status := c.do(fmt.Sprintf(`UID STORE 1,2 (UNCHANGEDSINCE %s) +FLAGS (\Answered)`, modseq))
	if !strings.Contains(status, "[MODIFIED 2]") {
		t.Errorf("conditional STORE status = %q, want MODIFIED 2", status)
	}
	// Expunges by another session arrive as VANISHED under QRESYNC.
	b.ok(`UID STORE 6 +FLAGS (\Deleted)`)
	b.ok("EXPUNGE")
	if lines := c.ok("NOOP"); !hasLine(lines, "* VANISHED 6") {
		t.Errorf("NOOP = %q, want VANISHED 6", lines)
	}
}
