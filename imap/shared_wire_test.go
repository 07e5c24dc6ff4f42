package imap

import (
	"strings"
	"testing"
)

// want fails unless a command's tagged status starts with prefix.
func (c *rawClient) want(cmd, prefix string) []string {
	c.t.Helper()
	lines, status := c.do(cmd)
	if !strings.HasPrefix(status, prefix) {
		c.t.Fatalf("%s: got %q, want %q (untagged %q)", cmd, status, prefix, lines)
	}
	return lines
}

// TestSharedMailboxWire checks the exact responses around a shared
// mailbox: selection modes, listings, refusals and delegated
// administration.
func TestSharedMailboxWire(t *testing.T) {
	env := newEnv(t, []string{shareOwner, shareUser}, nil)
	o := env.login(shareOwner)
	o.appendMsg("INBOX", `\Deleted`, simpleMsg("doomed", "x"))
	o.ok("CREATE Team/Sub")
	o.ok(`SETACL INBOX ` + shareUser + ` lr`)
	o.ok(`SETACL Team/Sub ` + shareUser + ` lrsx`)
	u := env.login(shareUser)

	// Argument counts and the owner's own entry.
	o.want("GETACL INBOX extra", "BAD")
	o.want("SETACL INBOX "+shareUser, "BAD")
	o.want("MYRIGHTS", "BAD")
	o.want("SETACL INBOX "+shareOwner+" lr", "NO [CANNOT]")
	o.want("DELETEACL INBOX "+shareOwner, "NO [CANNOT]")
	o.want("GETACL Nope", "NO [NONEXISTENT]")

	// LIST-EXTENDED with STATUS, LSUB and the parents of the namespace.
	lines := u.ok(`LIST "" "Other Users/*" RETURN (STATUS (MESSAGES))`)
	for _, want := range []string{
		`* LIST (\Noselect \HasChildren) "/" "Other Users/` + shareOwner + `"`,
		`* LIST (\HasNoChildren) "/" "Other Users/` + shareOwner + `/INBOX"`,
		`* STATUS "Other Users/` + shareOwner + `/INBOX" (MESSAGES 1)`,
		`* LIST (\Noselect \HasChildren) "/" "Other Users/` + shareOwner + `/Team"`,
		`* LIST (\HasNoChildren) "/" "Other Users/` + shareOwner + `/Team/Sub"`,
	} {
		if !hasLine(lines, want) {
			t.Errorf("LIST-STATUS lacks %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	lines = u.ok(`LSUB "" "Other Users/%/%"`)
	if !hasLine(lines, `"Other Users/`+shareOwner+`/INBOX"`) {
		t.Errorf("LSUB = %q", lines)
	}
	lines = u.ok(`LIST (SUBSCRIBED) "" "*"`)
	if !hasLine(lines, `\Subscribed) "/" "Other Users/`+shareOwner+`/INBOX"`) {
		t.Errorf("LIST (SUBSCRIBED) = %q", lines)
	}

	// The namespace belongs to the owners.
	u.want(`CREATE "Other Users/x"`, "NO [CANNOT]")
	u.want(`RENAME INBOX "Other Users/`+shareOwner+`/Mine"`, "NO [CANNOT]")
	u.ok(`SUBSCRIBE "Other Users/` + shareOwner + `/INBOX"`)
	u.want(`UNSUBSCRIBE "Other Users/`+shareOwner+`/INBOX"`, "NO [CANNOT]")
	u.want(`SUBSCRIBE "Other Users/`+shareOwner+`/Drafts"`, "NO [NONEXISTENT]")

	// "lr": read-only; CLOSE leaves \Deleted messages; COPY into the
	// shared mailbox needs "i".
	u.want(`SELECT "Other Users/`+shareOwner+`/INBOX"`, "OK [READ-ONLY]")
	u.want(`COPY 1 "Other Users/`+shareOwner+`/INBOX"`, "NO [NOPERM]")
	u.want(`COPY 1 Nowhere`, "NO [TRYCREATE]")
	u.ok("CLOSE")
	if mb, _ := env.store.MailboxByName(t.Context(), shareOwner, "INBOX"); mb.Total != 1 {
		t.Fatalf("CLOSE without e expunged: %d left", mb.Total)
	}
	u.want(`EXAMINE "Other Users/`+shareOwner+`/Team/Sub"`, "OK [READ-ONLY]")
	lines = u.want(`SELECT "Other Users/`+shareOwner+`/Team/Sub"`, "OK [READ-WRITE]")
	if !hasLine(lines, `* OK [PERMANENTFLAGS (\Seen)]`) {
		t.Errorf("SELECT with lrsx: PERMANENTFLAGS not narrowed to \\Seen: %q", lines)
	}
	u.ok("UNSELECT")

	// DELETE needs "x"; the share goes with the mailbox.
	u.want(`DELETE "Other Users/`+shareOwner+`/INBOX"`, "NO [NOPERM]")
	u.ok(`DELETE "Other Users/` + shareOwner + `/Team/Sub"`)
	if lines := u.ok(`LIST "" "Other Users/*"`); hasLine(lines, "Team") {
		t.Errorf("LIST after DELETE = %q", lines)
	}

	// "a" delegates the ACL itself.
	u.want(`GETACL "Other Users/`+shareOwner+`/INBOX"`, "NO [NOPERM]")
	o.ok(`SETACL INBOX ` + shareUser + ` +a`)
	lines = u.ok(`GETACL "Other Users/` + shareOwner + `/INBOX"`)
	want := `* ACL "Other Users/` + shareOwner + `/INBOX" ` + shareOwner + ` lrswipkxteacd ` +
		shareUser + ` lra`
	if len(lines) != 1 || lines[0] != want {
		t.Fatalf("GETACL = %q, want %q", lines, want)
	}
	u.ok(`SETACL "Other Users/` + shareOwner + `/INBOX" anyone l`)
	u.want(`SETACL "Other Users/`+shareOwner+`/INBOX" `+shareOwner+` l`, "NO [CANNOT]")
	lines = o.ok("GETACL INBOX")
	if !hasLine(lines, " anyone l ") {
		t.Fatalf("owner's GETACL after the delegate's SETACL = %q", lines)
	}
	lines = u.ok(`LISTRIGHTS "Other Users/` + shareOwner + `/INBOX" ` + shareOwner)
	if len(lines) != 1 || !strings.HasSuffix(lines[0], " "+shareOwner+" lrswipkxteacd") {
		t.Fatalf("LISTRIGHTS of the owner = %q", lines)
	}
}
