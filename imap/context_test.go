package imap

import (
	"fmt"
	"strings"
	"testing"
)

// TestSearchContextUpdate keeps a SEARCH RETURN (UPDATE) result (RFC 5267
// section 4.3) while another session flags, appends and expunges, then
// checks the limit on kept searches and CANCELUPDATE.
func TestSearchContextUpdate(t *testing.T) {
	env := newEnv(t, []string{"ctx@example.test"}, nil)
	a, b := env.login("ctx@example.test"), env.login("ctx@example.test")
	for i := 1; i <= 4; i++ {
		a.appendMsg("INBOX", "", simpleMsg(fmt.Sprintf("m%d", i), "x"))
	}
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	lines := a.ok(`UID SEARCH RETURN (UPDATE ALL) FLAGGED`)
	tag := fmt.Sprintf("t%d", a.n)
	if len(lines) != 1 || lines[0] != `* ESEARCH (TAG "`+tag+`") UID` {
		t.Fatalf("SEARCH = %q", lines)
	}
	b.ok(`STORE 2,3 +FLAGS (\Flagged)`)
	lines = a.ok("NOOP")
	if !hasLine(lines, `* ESEARCH (TAG "`+tag+`") UID ADDTO (0 2:3)`) {
		t.Errorf("after flagging: %q", lines)
	}
	b.ok(`STORE 3 +FLAGS (\Deleted)`)
	b.ok("EXPUNGE")
	lines = a.ok("NOOP")
	if !hasLine(lines, `* ESEARCH (TAG "`+tag+`") UID REMOVEFROM (0 3)`) || !hasLine(lines, "* 3 EXPUNGE") {
		t.Errorf("after expunge: %q", lines)
	}
	b.appendMsg("INBOX", `\Flagged`, simpleMsg("m5", "y"))
	lines = a.ok("NOOP")
	if !hasLine(lines, `* ESEARCH (TAG "`+tag+`") UID ADDTO (0 5)`) {
		t.Errorf("after append: %q", lines)
	}
	for i := 0; i < maxContexts-1; i++ {
		a.ok("SEARCH RETURN (UPDATE) SEEN")
	}
	if _, st := a.do("SEARCH RETURN (UPDATE) SEEN"); !strings.HasPrefix(st, "OK [NOUPDATE") {
		t.Errorf("search over the limit: %q", st)
	}
	if _, st := a.do(`CANCELUPDATE "nope"`); !strings.HasPrefix(st, "BAD") {
		t.Errorf("CANCELUPDATE of an unknown tag: %q", st)
	}
	a.ok(`CANCELUPDATE "` + tag + `"`)
	b.ok(`STORE 1 +FLAGS (\Flagged)`)
	if lines := a.ok("NOOP"); hasLine(lines, "ADDTO") {
		t.Errorf("update after CANCELUPDATE: %q", lines)
	}
	if lines := a.ok("SEARCH RETURN (PARTIAL 2:9) ALL"); len(lines) != 1 ||
		!strings.HasSuffix(lines[0], "PARTIAL (2:9 2:4)") {
		t.Errorf("PARTIAL = %q", lines)
	}
	if lines := a.ok("SORT RETURN (PARTIAL 1:2) (REVERSE SUBJECT) UTF-8 ALL"); len(lines) != 1 ||
		!strings.HasSuffix(lines[0], "PARTIAL (1:2 4,3)") {
		t.Errorf("SORT PARTIAL = %q", lines)
	}
	if _, st := a.do("SORT RETURN (UPDATE) (ARRIVAL) UTF-8 ALL"); !strings.HasPrefix(st, "OK [NOUPDATE") {
		t.Errorf("SORT RETURN (UPDATE): %q", st)
	}
	if _, st := a.do("SEARCH RETURN (PARTIAL 1:*) ALL"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("PARTIAL 1:*: %q", st)
	}
}

// TestSearchContextInIdle checks that a kept search reports its changes
// during IDLE, as they happen.
func TestSearchContextInIdle(t *testing.T) {
	env := newEnv(t, []string{"ctxidle@example.test"}, nil)
	a, b := env.login("ctxidle@example.test"), env.login("ctxidle@example.test")
	a.appendMsg("INBOX", "", simpleMsg("m1", "x"))
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	a.ok("UID SEARCH RETURN (UPDATE) FLAGGED")
	tag := fmt.Sprintf("t%d", a.n)
	a.send("i IDLE\r\n")
	if l := a.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE = %q", l)
	}
	b.ok(`STORE 1 +FLAGS (\Flagged)`)
	want := `* ESEARCH (TAG "` + tag + `") UID ADDTO (0 1)`
	for {
		l := a.readLine()
		if l == want {
			break
		}
		if !strings.HasPrefix(l, "* ") {
			t.Fatalf("during IDLE: %q, want %q", l, want)
		}
	}
	a.send("DONE\r\n")
	if _, st := a.until("i"); !strings.HasPrefix(st, "OK") {
		t.Errorf("IDLE end: %q", st)
	}
}
