package imap

import (
	"strings"
	"testing"
)

func TestLoginSelectFetch(t *testing.T) {
	env := newEnv(t, []string{"ann@example.test"}, nil)
	c := env.login("ann@example.test")
	c.appendMsg("INBOX", `\Seen`, simpleMsg("hello there", "body text"))
	lines := c.ok("SELECT INBOX")
	if !hasLine(lines, "1 EXISTS") {
		t.Fatalf("SELECT lines = %q", lines)
	}
	lines = c.ok("FETCH 1 (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
	if len(lines) != 1 || !strings.Contains(lines[0], `"hello there"`) ||
		!strings.Contains(lines[0], `\Seen`) {
		t.Fatalf("FETCH = %q", lines)
	}
	lines = c.ok("UID FETCH 1 BODY.PEEK[TEXT]")
	if !hasLine(lines, "body text") {
		t.Fatalf("FETCH TEXT = %q", lines)
	}
	c.ok("LOGOUT")
}

func TestBadCommandsKeepSession(t *testing.T) {
	env := newEnv(t, []string{"bob@example.test"}, nil)
	c := env.login("bob@example.test")
	c.ok("SELECT INBOX")
	for _, cmd := range []string{
		"FETCH 1:* (FLAGS",
		"FROB",
		"SEARCH (SEEN",
		"FETCH 0 FLAGS",
		"FETCH 1:x FLAGS",
		"UID FETCH , FLAGS",
		"STORE 1 +FLAGS (\\Bogus)",
		"SELECT",
	} {
		t.Log(cmd)
		_, status := c.do(cmd)
		if !strings.HasPrefix(status, "BAD") && !strings.HasPrefix(status, "NO") {
			t.Errorf("%s: status %q, want BAD", cmd, status)
		}
	}
	c.ok("NOOP")
}

// TestIMAP4rev2Mode checks what ENABLE IMAP4rev2 changes (RFC 9051
// section 6.3.1): no RECENT, a LIST in SELECT, ESEARCH for SEARCH, UTF-8
// mailbox names.
func TestIMAP4rev2Mode(t *testing.T) {
	env := newEnv(t, []string{"rev2@example.test"}, nil)
	c := env.login("rev2@example.test")
	c.appendMsg("INBOX", "", simpleMsg("one", "x"))
	if lines := c.ok("ENABLE IMAP4rev2"); !hasLine(lines, "* ENABLED IMAP4rev2") {
		t.Fatalf("ENABLE = %q", lines)
	}
	lines := c.ok("SELECT INBOX")
	if hasLine(lines, "RECENT") || !hasLine(lines, `* LIST () "/" INBOX`) {
		t.Errorf("SELECT = %q", lines)
	}
	c.n++
	c.send("s1 SEARCH ALL\r\n")
	lines, _ = c.until("s1")
	if len(lines) != 1 || lines[0] != `* ESEARCH (TAG "s1") ALL 1` {
		t.Errorf("SEARCH = %q", lines)
	}
	c.ok(`CREATE "Écrits"`)
	if lines := c.ok(`LIST "" "É*"`); !hasLine(lines, `"Écrits"`) {
		t.Errorf("LIST = %q", lines)
	}
}
