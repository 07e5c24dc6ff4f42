package mailstore

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

func TestParseRights(t *testing.T) {
	cases := []struct {
		in, out string
	}{
		{"lrswipkxtea", "lrswipkxteacd"},
		{"rl", "lr"},
		{"c", "kc"},
		{"d", "xted"},
		{"lrlr", "lr"},
		{"", ""},
		{"t", "t"},
		{"xt", "xt"},
		{"xte", "xted"},
	}
	for _, c := range cases {
		r, err := ParseRights(c.in)
		if err != nil {
			t.Fatalf("ParseRights(%q): %v", c.in, err)
		}
		if got := r.String(); got != c.out {
			t.Errorf("ParseRights(%q).String() = %q, want %q", c.in, got, c.out)
		}
	}
	for _, bad := range []string{"z", "lr ", "L", "n"} {
		if _, err := ParseRights(bad); !errors.Is(err, ErrInvalidRights) {
			t.Errorf("ParseRights(%q) = %v, want ErrInvalidRights", bad, err)
		}
	}
	if !AllRights.Has(RightAdmin | RightLookup) {
		t.Error("AllRights lacks a right")
	}
	var n int
	AllRights.Each(func(Rights) { n++ })
	if n != 11 {
		t.Errorf("AllRights has %d single rights, want 11", n)
	}
}

func (f *fixture) rights(owner string, id MailboxID, user string) Rights {
	f.t.Helper()
	r, err := f.MyRights(f.ctx, owner, id, user)
	if err != nil {
		f.t.Fatalf("MyRights(%s): %v", user, err)
	}
	return r
}

func (f *fixture) setRights(id MailboxID, who string, op FlagOp, letters string) Rights {
	f.t.Helper()
	r, err := ParseRights(letters)
	if err != nil {
		f.t.Fatal(err)
	}
	got, err := f.SetRights(f.ctx, f.acct, id, who, op, r)
	if err != nil {
		f.t.Fatalf("SetRights(%s, %q): %v", who, letters, err)
	}
	return got
}

func TestRightsLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		const bob = "bob@example.test"
		if err := f.CreateAccount(f.ctx, bob); err != nil {
			t.Fatal(err)
		}
		if r := f.rights(f.acct, f.inbox, f.acct); r != AllRights {
			t.Fatalf("owner rights = %s", r)
		}
		if r := f.rights(f.acct, f.inbox, bob); r != 0 {
			t.Fatalf("rights before grant = %s", r)
		}
		if got := f.setRights(f.inbox, bob, FlagsReplace, "lr"); got.String() != "lr" {
			t.Fatalf("SetRights = %s", got)
		}
		if got := f.setRights(f.inbox, bob, FlagsAdd, "s"); got.String() != "lrs" {
			t.Fatalf("SetRights +s = %s", got)
		}
		if got := f.setRights(f.inbox, bob, FlagsRemove, "r"); got.String() != "ls" {
			t.Fatalf("SetRights -r = %s", got)
		}
		f.setRights(f.inbox, bob, FlagsReplace, "lr")
		f.setRights(f.inbox, Anyone, FlagsReplace, "p")
		if r := f.rights(f.acct, f.inbox, bob); r.String() != "lrp" {
			t.Fatalf("bob's rights with anyone = %s", r)
		}
		if r := f.rights(f.acct, f.inbox, "carol@example.test"); r.String() != "p" {
			t.Fatalf("carol's rights = %s", r)
		}
		acl, err := f.ListRights(f.ctx, f.acct, f.inbox)
		if err != nil {
			t.Fatal(err)
		}
		want := []ACLEntry{{f.acct, AllRights}, {Anyone, RightPost},
			{bob, RightLookup | RightRead}}
		if !slices.Equal(acl, want) {
			t.Fatalf("ListRights = %v, want %v", acl, want)
		}
		if _, err := f.CheckRights(f.ctx, f.acct, f.inbox, bob, RightRead); err != nil {
			t.Fatalf("CheckRights(r): %v", err)
		}
		_, err = f.CheckRights(f.ctx, f.acct, f.inbox, bob, RightInsert)
		if !errors.Is(err, ErrNoRights) {
			t.Fatalf("CheckRights(i) = %v, want ErrNoRights", err)
		}
		if err := f.DeleteRights(f.ctx, f.acct, f.inbox, Anyone); err != nil {
			t.Fatal(err)
		}
		if err := f.DeleteRights(f.ctx, f.acct, f.inbox, Anyone); err != nil {
			t.Fatalf("DeleteRights of a missing entry: %v", err)
		}
		if r := f.rights(f.acct, f.inbox, bob); r.String() != "lr" {
			t.Fatalf("bob's rights after DELETEACL anyone = %s", r)
		}
	})
}

func TestRightsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		for _, id := range []string{"", "-bob", "a\x00b", string(make([]byte, MaxIdentifier+1))} {
			_, err := f.SetRights(f.ctx, f.acct, f.inbox, id, FlagsReplace, RightRead)
			if !errors.Is(err, ErrInvalidIdentifier) {
				t.Errorf("SetRights(%q) = %v, want ErrInvalidIdentifier", id, err)
			}
		}
		_, err := f.SetRights(f.ctx, f.acct, f.inbox, f.acct, FlagsReplace, 0)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("SetRights(owner) = %v, want ErrForbidden", err)
		}
		_, err = f.SetRights(f.ctx, f.acct, "Mnope", "bob", FlagsReplace, RightRead)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("SetRights(missing mailbox) = %v, want ErrNotFound", err)
		}
		for i := range MaxACLEntries {
			f.setRights(f.inbox, fmt.Sprintf("u%d", i), FlagsReplace, "l")
		}
		_, err = f.SetRights(f.ctx, f.acct, f.inbox, "one-too-many", FlagsReplace, RightRead)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("SetRights past MaxACLEntries = %v, want ErrForbidden", err)
		}
		// Changing an existing entry of a full ACL still works.
		f.setRights(f.inbox, "u0", FlagsAdd, "r")
	})
}

func TestRightsChangeLogged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		before := f.mailbox("INBOX").HighestModSeq
		q0, err := f.HighestModSeq(f.ctx, f.acct)
		if err != nil {
			t.Fatal(err)
		}
		events, cancel := f.Subscribe(f.acct)
		defer cancel()
		f.setRights(f.inbox, "bob@example.test", FlagsReplace, "lr")
		select {
		case ev := <-events:
			if !slices.Contains(ev.Mailboxes, f.inbox) || ev.Kinds&KindMailbox == 0 {
				t.Fatalf("event = %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no change event for SETACL")
		}
		if after := f.mailbox("INBOX").HighestModSeq; after <= before {
			t.Fatalf("HIGHESTMODSEQ %d -> %d", before, after)
		}
		ch, err := f.Changes(f.ctx, f.acct, q0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ch.Mailboxes.Updated, []MailboxID{f.inbox}) || ch.MailboxCountsOnly {
			t.Fatalf("changes = %+v", ch.Mailboxes)
		}
		// Setting the same rights again changes nothing.
		q1, _ := f.HighestModSeq(f.ctx, f.acct)
		f.setRights(f.inbox, "bob@example.test", FlagsAdd, "l")
		if q2, _ := f.HighestModSeq(f.ctx, f.acct); q2 != q1 {
			t.Fatalf("no-op SETACL moved MODSEQ %d -> %d", q1, q2)
		}
	})
}

func sharedNames(t *testing.T, f *fixture, user string) []string {
	t.Helper()
	sh, err := f.SharedWith(f.ctx, user)
	if err != nil {
		t.Fatalf("SharedWith(%s): %v", user, err)
	}
	var out []string
	for _, s := range sh {
		out = append(out, s.Owner+":"+s.Mailbox.Name+":"+s.Rights.String())
	}
	return out
}

func TestSharedWith(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		const bob, carol = "bob@example.test", "carol@example.test"
		for _, a := range []string{bob, carol} {
			if err := f.CreateAccount(f.ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		team, err := f.CreateMailbox(f.ctx, f.acct, "Team", "")
		if err != nil {
			t.Fatal(err)
		}
		f.setRights(f.inbox, bob, FlagsReplace, "lr")
		f.setRights(team.ID, Anyone, FlagsReplace, "lrs")
		cb, err := f.MailboxByName(f.ctx, carol, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.SetRights(f.ctx, carol, cb.ID, bob, FlagsReplace, RightLookup); err != nil {
			t.Fatal(err)
		}
		got := sharedNames(t, f, bob)
		want := []string{f.acct + ":INBOX:lr", f.acct + ":Team:lrs", carol + ":INBOX:l"}
		if !slices.Equal(got, want) {
			t.Fatalf("SharedWith(bob) = %v, want %v", got, want)
		}
		// The owner does not see its own mailbox shared with anyone.
		if got := sharedNames(t, f, f.acct); got != nil {
			t.Fatalf("SharedWith(owner) = %v", got)
		}
		// Renaming keeps the ACL; the listing follows the new name.
		if err := f.RenameMailbox(f.ctx, f.acct, team.ID, "Group/Team"); err != nil {
			t.Fatal(err)
		}
		got = sharedNames(t, f, carol)
		if !slices.Equal(got, []string{f.acct + ":Group/Team:lrs"}) {
			t.Fatalf("SharedWith(carol) after rename = %v", got)
		}
		// Deleting the mailbox drops its ACL and index entries.
		if err := f.DeleteMailbox(f.ctx, f.acct, team.ID); err != nil {
			t.Fatal(err)
		}
		if got := sharedNames(t, f, carol); got != nil {
			t.Fatalf("SharedWith(carol) after delete = %v", got)
		}
		if n := countSpace(t, f, spaceACL) + countSpace(t, f, spaceShared); n != 4 {
			t.Fatalf("%d ACL records left, want 4", n)
		}
		// Deleting bob removes the entries naming him.
		if err := f.DeleteAccount(f.ctx, bob); err != nil {
			t.Fatal(err)
		}
		acl, err := f.ListRights(f.ctx, f.acct, f.inbox)
		if err != nil || len(acl) != 1 {
			t.Fatalf("ListRights after deleting the grantee = %v, %v", acl, err)
		}
		if n := countSpace(t, f, spaceACL) + countSpace(t, f, spaceShared); n != 0 {
			t.Fatalf("%d ACL records left after deleting the grantee", n)
		}
		// Deleting an owner removes the index entries of its mailboxes.
		f.setRights(f.inbox, carol, FlagsReplace, "lr")
		if err := f.DeleteAccount(f.ctx, f.acct); err != nil {
			t.Fatal(err)
		}
		if got := sharedNames(t, f, carol); got != nil {
			t.Fatalf("SharedWith(carol) after deleting the owner = %v", got)
		}
		if n := countSpace(t, f, spaceACL) + countSpace(t, f, spaceShared); n != 0 {
			t.Fatalf("%d ACL records left after deleting the owner", n)
		}
	})
}

// countSpace counts the records of a space across all accounts.
func countSpace(t *testing.T, f *fixture, sp store.Space) int {
	t.Helper()
	n := 0
	err := f.kv.View(f.ctx, func(tx store.Tx) error {
		n = 0
		return tx.Scan(sp, store.Range{}, func(_, _ []byte) error {
			n++
			return nil
		})
	})
	if err != nil {
		t.Fatalf("scan %s: %v", sp, err)
	}
	return n
}

// FuzzParseRights: any rights string either fails with ErrInvalidRights
// or parses to rights whose written form reads back the same.
func FuzzParseRights(f *testing.F) {
	for _, s := range []string{"lrswipkxtea", "cd", "", "lrz", "+lr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRights(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRights) {
				t.Fatalf("ParseRights(%q) = %v", s, err)
			}
			return
		}
		back, err := ParseRights(r.String())
		if err != nil || back != r || r&^AllRights != 0 {
			t.Fatalf("ParseRights(%q) = %s, read back %s, %v", s, r, back, err)
		}
	})
}
