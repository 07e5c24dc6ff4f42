package mailstore

import (
	"errors"
	"slices"
	"testing"
)

func TestDefaultMailboxes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		mbs, err := f.Mailboxes(f.ctx, f.acct)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string]string{}
		uvs := map[uint32]bool{}
		for _, mb := range mbs {
			roles[mb.Name] = mb.Role
			if mb.UIDValidity == 0 || uvs[mb.UIDValidity] {
				t.Errorf("mailbox %q UIDVALIDITY %d: zero or repeated", mb.Name, mb.UIDValidity)
			}
			uvs[mb.UIDValidity] = true
			if !mb.Subscribed || mb.UIDNext != 1 {
				t.Errorf("mailbox %+v: want subscribed, UIDNext 1", mb)
			}
		}
		want := map[string]string{"INBOX": RoleInbox, "Drafts": RoleDrafts, "Sent": RoleSent,
			"Junk": RoleJunk, "Trash": RoleTrash, "Archive": RoleArchive}
		for n, r := range want {
			if roles[n] != r {
				t.Errorf("mailbox %q role = %q, want %q", n, roles[n], r)
			}
		}
		// Creating the account again changes nothing.
		if err := f.CreateAccount(f.ctx, f.acct); err != nil {
			t.Fatal(err)
		}
		again, _ := f.Mailboxes(f.ctx, f.acct)
		if len(again) != len(mbs) {
			t.Errorf("after second CreateAccount: %d mailboxes, want %d", len(again), len(mbs))
		}
		junk, err := f.MailboxByRole(f.ctx, f.acct, RoleJunk)
		if err != nil || junk.Name != "Junk" {
			t.Errorf("MailboxByRole(junk) = %+v, %v", junk, err)
		}
	})
}

func TestMailboxNames(t *testing.T) {
	tests := []struct {
		name, stored string
		err          error
	}{
		{"Work", "Work", nil},
		{"inbox", "", ErrExists},
		{"InBoX/Sub", "INBOX/Sub", nil},
		{"Trips/Tom&Jerry", "Trips/Tom&Jerry", nil}, // case 012: "&" is literal
		{"Caf\u0065\u0301", "Café", nil},            // NFD stored as NFC
		{"", "", ErrInvalidName},
		{"a//b", "", ErrInvalidName},
		{"/a", "", ErrInvalidName},
		{"a/", "", ErrInvalidName},
		{"bad\x01name", "", ErrInvalidName},
		{"bad\xffutf8", "", ErrInvalidName},
	}
	forEachBackend(t, func(t *testing.T, f *fixture) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				mb, err := f.CreateMailbox(f.ctx, f.acct, tc.name, "")
				if !errors.Is(err, tc.err) {
					t.Fatalf("CreateMailbox(%q) err = %v, want %v", tc.name, err, tc.err)
				}
				if err != nil {
					return
				}
				if mb.Name != tc.stored {
					t.Errorf("CreateMailbox(%q).Name = %q, want %q", tc.name, mb.Name, tc.stored)
				}
				got := f.mailbox(tc.name)
				if got.ID != mb.ID || got.UIDValidity != mb.UIDValidity {
					t.Errorf("MailboxByName(%q) = %+v, want %+v", tc.name, got, mb)
				}
			})
		}
		// Parents were created on the way.
		trips := f.mailbox("Trips")
		if tj := f.mailbox("Trips/Tom&Jerry"); tj.ParentID != trips.ID {
			t.Errorf("parent of Trips/Tom&Jerry = %q, want %q", tj.ParentID, trips.ID)
		}
	})
}

func TestRenameMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a, err := f.CreateMailbox(f.ctx, f.acct, "A/B/C", "")
		if err != nil {
			t.Fatal(err)
		}
		b := f.mailbox("A/B")
		f.appendMsg(a.ID, msg("in c"))
		if err := f.RenameMailbox(f.ctx, f.acct, b.ID, "X/Y"); err != nil {
			t.Fatal(err)
		}
		c := f.mailbox("X/Y/C")
		if c.ID != a.ID || c.UIDValidity != a.UIDValidity || c.Total != 1 {
			t.Errorf("renamed child = %+v, want id %s, same UIDVALIDITY, 1 message", c, a.ID)
		}
		if y := f.mailbox("X/Y"); y.ID != b.ID || y.ParentID != f.mailbox("X").ID {
			t.Errorf("renamed mailbox = %+v", y)
		}
		if _, err := f.MailboxByName(f.ctx, f.acct, "A/B"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old name still found: %v", err)
		}
		if err := f.RenameMailbox(f.ctx, f.acct, b.ID, "Drafts"); !errors.Is(err, ErrExists) {
			t.Errorf("rename onto Drafts: err = %v, want ErrExists", err)
		}
		if err := f.RenameMailbox(f.ctx, f.acct, b.ID, "X/Y/C/D"); !errors.Is(err, ErrForbidden) {
			t.Errorf("rename under itself: err = %v, want ErrForbidden", err)
		}
	})
}

// TestRenameInbox checks RFC 9051 section 6.3.6: renaming INBOX moves its
// messages to the new mailbox and leaves INBOX in place, empty.
func TestRenameInbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		e1 := f.appendMsg(f.inbox, msg("one"))
		f.appendMsg(f.inbox, msg("two"))
		before := f.mailbox("INBOX")
		if err := f.RenameMailbox(f.ctx, f.acct, f.inbox, "Old"); err != nil {
			t.Fatal(err)
		}
		inbox := f.mailbox("INBOX")
		if inbox.ID != f.inbox || inbox.Total != 0 || inbox.UIDValidity != before.UIDValidity {
			t.Errorf("INBOX after rename = %+v", inbox)
		}
		if inbox.UIDNext != before.UIDNext {
			t.Errorf("INBOX UIDNext = %d, want %d (UIDs never reused)",
				inbox.UIDNext, before.UIDNext)
		}
		old := f.mailbox("Old")
		ents := f.list(old.ID)
		if len(ents) != 2 || ents[0].EmailID != e1.EmailID {
			t.Errorf("Old holds %+v, want the two messages", ents)
		}
		checkConsistency(t, f)
	})
}

func TestDeleteMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		p, _ := f.CreateMailbox(f.ctx, f.acct, "P", "")
		c, _ := f.CreateMailbox(f.ctx, f.acct, "P/C", "")
		only := f.appendMsg(c.ID, msg("only here"))
		shared := f.appendMsg(c.ID, msg("also in inbox"))
		if err := f.SetEmailMailboxes(f.ctx, f.acct, shared.EmailID,
			[]MailboxID{c.ID, f.inbox}); err != nil {
			t.Fatal(err)
		}
		if err := f.DeleteMailbox(f.ctx, f.acct, p.ID); !errors.Is(err, ErrHasChildren) {
			t.Errorf("delete parent: err = %v, want ErrHasChildren", err)
		}
		if err := f.DeleteMailbox(f.ctx, f.acct, f.inbox); !errors.Is(err, ErrForbidden) {
			t.Errorf("delete INBOX: err = %v, want ErrForbidden", err)
		}
		if err := f.DeleteMailbox(f.ctx, f.acct, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Email(f.ctx, f.acct, only.EmailID); !errors.Is(err, ErrNotFound) {
			t.Errorf("email only in deleted mailbox: err = %v, want ErrNotFound", err)
		}
		em, err := f.Email(f.ctx, f.acct, shared.EmailID)
		if err != nil || len(em.Mailboxes) != 1 {
			t.Errorf("shared email = %+v, %v; want it kept in INBOX", em, err)
		}
		if _, msgs, _ := f.Usage(f.ctx, f.acct); msgs != 1 {
			t.Errorf("usage = %d messages, want 1", msgs)
		}
		// A new mailbox of the same name gets a new UIDVALIDITY (RFC 9051
		// section 2.3.1.1) and starts its UIDs again.
		again, err := f.CreateMailbox(f.ctx, f.acct, "P/C", "")
		if err != nil {
			t.Fatal(err)
		}
		if again.UIDValidity == c.UIDValidity || again.ID == c.ID {
			t.Errorf("recreated mailbox = %+v, want new id and UIDVALIDITY (old %d)",
				again, c.UIDValidity)
		}
		checkConsistency(t, f)
	})
}

func TestSubscribeAndRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		mb, _ := f.CreateMailbox(f.ctx, f.acct, "News", "")
		if mb.Subscribed {
			t.Fatal("new mailbox subscribed")
		}
		if err := f.SetSubscribed(f.ctx, f.acct, mb.ID, true); err != nil {
			t.Fatal(err)
		}
		if !f.mailbox("News").Subscribed {
			t.Error("SetSubscribed(true) did not stick")
		}
		_, err := f.CreateMailbox(f.ctx, f.acct, "Spam", RoleJunk)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("second junk mailbox: err = %v, want ErrForbidden", err)
		}
		junk := f.mailbox("Junk")
		empty := ""
		if err := f.UpdateMailbox(f.ctx, f.acct, junk.ID, MailboxPatch{Role: &empty}); err != nil {
			t.Fatal(err)
		}
		role := RoleJunk
		order := uint32(7)
		err = f.UpdateMailbox(f.ctx, f.acct, mb.ID, MailboxPatch{Role: &role, SortOrder: &order})
		if err != nil {
			t.Fatal(err)
		}
		got := f.mailbox("News")
		if got.Role != RoleJunk || got.SortOrder != 7 {
			t.Errorf("News = %+v, want role junk, sort order 7", got)
		}
		names := []string{}
		mbs, _ := f.Mailboxes(f.ctx, f.acct)
		for _, m := range mbs {
			names = append(names, m.Name)
		}
		if !slices.IsSorted(names) {
			t.Errorf("Mailboxes not in name order: %v", names)
		}
	})
}

func TestAccounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		if err := f.CreateAccount(f.ctx, "bob@example.test"); err != nil {
			t.Fatal(err)
		}
		got, err := f.Accounts(f.ctx)
		want := []string{"alice@example.test", "bob@example.test"}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Accounts = %v, %v; want %v", got, err, want)
		}
		f.appendMsg(f.inbox, msg("bye"))
		if err := f.DeleteAccount(f.ctx, f.acct); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Mailboxes(f.ctx, f.acct); !errors.Is(err, ErrNotFound) {
			t.Errorf("Mailboxes of deleted account: err = %v, want ErrNotFound", err)
		}
		// Recreated, it starts empty with fresh UIDVALIDITYs.
		if err := f.CreateAccount(f.ctx, f.acct); err != nil {
			t.Fatal(err)
		}
		if mb := f.mailbox("INBOX"); mb.Total != 0 || mb.UIDNext != 1 {
			t.Errorf("recreated INBOX = %+v", mb)
		}
	})
}
