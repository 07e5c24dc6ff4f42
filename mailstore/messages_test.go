package mailstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCopyUID checks case 010: COPYUID carries the destination's
// UIDVALIDITY, then the source and new UIDs in matching order.
func TestCopyUID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"), `\Draft`)
		b := f.appendMsg(f.inbox, msg("b"))
		arch := f.mailbox("Archive")
		src, dst, uv, err := f.Copy(f.ctx, f.acct, f.inbox, []uint32{b.UID, 99, a.UID}, arch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if uv != arch.UIDValidity {
			t.Errorf("Copy UIDVALIDITY = %d, want destination's %d", uv, arch.UIDValidity)
		}
		if !slices.Equal(src, []uint32{a.UID, b.UID}) || !slices.Equal(dst, []uint32{1, 2}) {
			t.Errorf("Copy = %v -> %v, want [1 2] -> [1 2]", src, dst)
		}
		ents := f.list(arch.ID)
		if len(ents) != 2 || ents[0].EmailID == a.EmailID {
			t.Fatalf("Archive = %+v, want two new emails", ents)
		}
		if !slices.Equal(ents[0].Keywords, []string{KeywordDraft}) {
			t.Errorf("copy keywords = %v, want [$draft]", ents[0].Keywords)
		}
		// Copies are independent: flagging one leaves the other alone.
		if _, _, err := f.Store.Store(f.ctx, f.acct, arch.ID, []uint32{1}, FlagsAdd,
			[]string{`\Flagged`}, 0); err != nil {
			t.Fatal(err)
		}
		if kws := f.list(f.inbox)[0].Keywords; slices.Contains(kws, KeywordFlagged) {
			t.Errorf("original got the copy's flag: %v", kws)
		}
		// One blob for the original and its copy.
		em1, _ := f.Email(f.ctx, f.acct, a.EmailID)
		em2, _ := f.Email(f.ctx, f.acct, ents[0].EmailID)
		if em1.Blob != em2.Blob || em1.ThreadID != em2.ThreadID {
			t.Errorf("copy blob/thread differ: %v/%v vs %v/%v", em1.Blob, em1.ThreadID,
				em2.Blob, em2.ThreadID)
		}
		if _, msgs, _ := f.Usage(f.ctx, f.acct); msgs != 4 {
			t.Errorf("usage = %d messages, want 4", msgs)
		}
		checkConsistency(t, f)
	})
}

func TestMove(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		trash := f.mailbox("Trash")
		src, dst, uv, err := f.Move(f.ctx, f.acct, f.inbox, []uint32{a.UID}, trash.ID)
		if err != nil {
			t.Fatal(err)
		}
		if uv != trash.UIDValidity || !slices.Equal(src, []uint32{1}) ||
			!slices.Equal(dst, []uint32{1}) {
			t.Errorf("Move = %v -> %v (%d)", src, dst, uv)
		}
		if n := len(f.list(f.inbox)); n != 0 {
			t.Errorf("INBOX holds %d after move", n)
		}
		em, err := f.Email(f.ctx, f.acct, a.EmailID)
		if err != nil {
			t.Fatal(err)
		}
		if len(em.Mailboxes) != 1 || em.Mailboxes[trash.ID] != 1 {
			t.Errorf("moved email mailboxes = %v, want Trash:1", em.Mailboxes)
		}
		van, err := f.Vanished(f.ctx, f.acct, f.inbox, a.ModSeq)
		if err != nil || !slices.Equal(van, []uint32{1}) {
			t.Errorf("Vanished = %v, %v; want [1]", van, err)
		}
		src, dst, _, err = f.Move(f.ctx, f.acct, trash.ID, []uint32{1}, trash.ID)
		if err != nil || !slices.Equal(src, []uint32{1}) || !slices.Equal(dst, []uint32{2}) {
			t.Errorf("move within Trash = %v -> %v, %v; want [1] -> [2]", src, dst, err)
		}
		if ents := f.list(trash.ID); len(ents) != 1 || ents[0].EmailID != a.EmailID {
			t.Errorf("Trash = %+v, want the one email under UID 2", ents)
		}
	})
}

func TestStoreFlags(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		b := f.appendMsg(f.inbox, msg("b"))
		tests := []struct {
			op   FlagOp
			kws  []string
			want []string
		}{
			{FlagsAdd, []string{`\Seen`, "Work"}, []string{KeywordSeen, "work"}},
			{FlagsAdd, []string{`\FLAGGED`}, []string{KeywordFlagged, KeywordSeen, "work"}},
			{FlagsRemove, []string{"WORK"}, []string{KeywordFlagged, KeywordSeen}},
			{FlagsReplace, []string{"$junk"}, []string{"$junk"}},
			{FlagsReplace, nil, nil},
		}
		for _, tc := range tests {
			upd, failed, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID},
				tc.op, tc.kws, 0)
			if err != nil || len(failed) != 0 || len(upd) != 1 {
				t.Fatalf("Store(%v %v) = %v, %v, %v", tc.op, tc.kws, upd, failed, err)
			}
			if !slices.Equal(upd[0].Keywords, tc.want) {
				t.Errorf("Store(%v %v) keywords = %v, want %v",
					tc.op, tc.kws, upd[0].Keywords, tc.want)
			}
		}
		if _, _, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{1}, FlagsAdd,
			[]string{`\Recent`}, 0); !errors.Is(err, ErrInvalidKeyword) {
			t.Errorf(`Store \Recent: err = %v, want ErrInvalidKeyword`, err)
		}
		// UNCHANGEDSINCE (RFC 7162 section 3.1.3): a is newer than b's
		// MODSEQ, so it fails; b is stored.
		upd, failed, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID, b.UID},
			FlagsAdd, []string{"x"}, b.ModSeq)
		if err != nil || !slices.Equal(failed, []uint32{a.UID}) || len(upd) != 1 ||
			upd[0].UID != b.UID {
			t.Errorf("Store UNCHANGEDSINCE = %v, %v, %v", upd, failed, err)
		}
		if upd[0].ModSeq <= b.ModSeq {
			t.Errorf("stored MODSEQ %d not above %d", upd[0].ModSeq, b.ModSeq)
		}
		// A no-op store keeps the MODSEQ.
		again, _, _ := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{b.UID}, FlagsAdd,
			[]string{"x"}, 0)
		if again[0].ModSeq != upd[0].ModSeq {
			t.Errorf("no-op store moved MODSEQ %d -> %d", upd[0].ModSeq, again[0].ModSeq)
		}
	})
}

// TestDeliveryFlagsAreOrdinary checks case 015: keywords set at delivery
// (Sieve imap4flags) can be removed later and stay removed.
func TestDeliveryFlagsAreOrdinary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		d, err := f.Deliver(f.ctx, strings.NewReader(msg("flag me")), time.Time{},
			[]Recipient{{Account: f.acct, Keywords: []string{`\Flagged`, `\Seen`, `\Bogus`}}})
		if err != nil || d[0].Err != nil {
			t.Fatalf("Deliver = %v, %v", d, err)
		}
		if mb := f.mailbox("INBOX"); mb.Unread != 0 {
			t.Errorf("Unread = %d, want 0", mb.Unread)
		}
		if _, _, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{d[0].UID}, FlagsRemove,
			[]string{`\Seen`}, 0); err != nil {
			t.Fatal(err)
		}
		em, _ := f.Email(f.ctx, f.acct, d[0].EmailID)
		if !slices.Equal(em.Keywords, []string{KeywordFlagged}) {
			t.Errorf("keywords = %v, want [$flagged]", em.Keywords)
		}
		if kws := f.list(f.inbox)[0].Keywords; !slices.Equal(kws, []string{KeywordFlagged}) {
			t.Errorf("entry keywords = %v, want [$flagged]", kws)
		}
		if mb := f.mailbox("INBOX"); mb.Unread != 1 {
			t.Errorf("Unread = %d, want 1", mb.Unread)
		}
	})
}

func TestExpunge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"), `\Deleted`)
		b := f.appendMsg(f.inbox, msg("b"))
		c := f.appendMsg(f.inbox, msg("c"), `\Deleted`)
		got, err := f.Expunge(f.ctx, f.acct, f.inbox, nil)
		if err != nil || !slices.Equal(got, []uint32{a.UID, c.UID}) {
			t.Fatalf("Expunge(nil) = %v, %v; want [1 3]", got, err)
		}
		got, err = f.Expunge(f.ctx, f.acct, f.inbox, []uint32{b.UID, 42})
		if err != nil || !slices.Equal(got, []uint32{b.UID}) {
			t.Fatalf("Expunge([2 42]) = %v, %v; want [2]", got, err)
		}
		mb := f.mailbox("INBOX")
		if mb.Total != 0 || mb.Size != 0 || mb.Unread != 0 {
			t.Errorf("INBOX after expunge = %+v", mb)
		}
		if bytes, msgs, _ := f.Usage(f.ctx, f.acct); bytes != 0 || msgs != 0 {
			t.Errorf("usage = %d bytes, %d messages; want 0", bytes, msgs)
		}
		// UIDs are never reused.
		d := f.appendMsg(f.inbox, msg("d"))
		if d.UID != 4 {
			t.Errorf("UID after expunge = %d, want 4", d.UID)
		}
	})
}

func TestJMAPEmailOps(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		arch := f.mailbox("Archive")
		if err := f.SetEmailMailboxes(f.ctx, f.acct, a.EmailID,
			[]MailboxID{arch.ID, f.inbox}); err != nil {
			t.Fatal(err)
		}
		if err := f.SetEmailKeywords(f.ctx, f.acct, a.EmailID, FlagsAdd,
			[]string{KeywordSeen}); err != nil {
			t.Fatal(err)
		}
		for _, mb := range []Mailbox{f.mailbox("INBOX"), f.mailbox("Archive")} {
			ents := f.list(mb.ID)
			if len(ents) != 1 || !slices.Equal(ents[0].Keywords, []string{KeywordSeen}) {
				t.Errorf("%s = %+v, want the seen email", mb.Name, ents)
			}
			if mb.Unread != 0 || mb.Total != 1 {
				t.Errorf("%s counts = %d/%d", mb.Name, mb.Total, mb.Unread)
			}
		}
		if _, msgs, _ := f.Usage(f.ctx, f.acct); msgs != 1 {
			t.Errorf("usage = %d messages, want 1 (an email counts once)", msgs)
		}
		err := f.SetEmailMailboxes(f.ctx, f.acct, a.EmailID, nil)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("no mailboxes: err = %v, want ErrForbidden", err)
		}
		if err := f.SetEmailMailboxes(f.ctx, f.acct, a.EmailID, []MailboxID{arch.ID}); err != nil {
			t.Fatal(err)
		}
		em, _ := f.Email(f.ctx, f.acct, a.EmailID)
		if len(em.Mailboxes) != 1 || em.Mailboxes[arch.ID] != 1 || em.ID != a.EmailID {
			t.Errorf("email = %+v, want only in Archive", em)
		}
		if err := f.DestroyEmail(f.ctx, f.acct, a.EmailID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Email(f.ctx, f.acct, a.EmailID); !errors.Is(err, ErrNotFound) {
			t.Errorf("destroyed email: err = %v", err)
		}
		if err := f.DestroyEmail(f.ctx, f.acct, "bogus"); !errors.Is(err, ErrNotFound) {
			t.Errorf("bogus id: err = %v", err)
		}
		checkConsistency(t, f)
	})
}

func TestExpungeDeleted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"), `\Deleted`)
		b := f.appendMsg(f.inbox, msg("b"))
		c := f.appendMsg(f.inbox, msg("c"), `\Deleted`)
		got, err := f.ExpungeDeleted(f.ctx, f.acct, f.inbox, []uint32{a.UID, b.UID})
		if err != nil || !slices.Equal(got, []uint32{a.UID}) {
			t.Fatalf("ExpungeDeleted([1 2]) = %v, %v; want [1]", got, err)
		}
		got, err = f.ExpungeDeleted(f.ctx, f.acct, f.inbox, nil)
		if err != nil || !slices.Equal(got, []uint32{c.UID}) {
			t.Fatalf("ExpungeDeleted(nil) = %v, %v; want [3]", got, err)
		}
	})
}

func TestLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		long := strings.Repeat("n", MaxMailboxName+1)
		if _, err := f.CreateMailbox(f.ctx, f.acct, long, ""); !errors.Is(err, ErrInvalidName) {
			t.Errorf("name of %d octets: err = %v, want ErrInvalidName", len(long), err)
		}
		if _, err := f.CreateMailbox(f.ctx, f.acct, long[:MaxMailboxName], ""); err != nil {
			t.Errorf("name of %d octets: %v", MaxMailboxName, err)
		}
		a := f.appendMsg(f.inbox, msg("a"))
		var kws []string
		for i := range MaxKeywords {
			kws = append(kws, fmt.Sprint("k", i))
		}
		if _, _, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID}, FlagsAdd,
			kws, 0); err != nil {
			t.Fatalf("%d keywords: %v", MaxKeywords, err)
		}
		_, _, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID}, FlagsAdd,
			[]string{"one-more"}, 0)
		if !errors.Is(err, ErrInvalidKeyword) {
			t.Errorf("%d keywords: err = %v, want ErrInvalidKeyword", MaxKeywords+1, err)
		}
		if len(f.list(f.inbox)[0].Keywords) != MaxKeywords {
			t.Error("failed store changed the keywords")
		}
	})
}
