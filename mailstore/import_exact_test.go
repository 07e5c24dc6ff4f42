package mailstore

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// putBlob stores a message in the fixture's blob store.
func (f *fixture) putBlob(body string) store.Hash {
	f.t.Helper()
	h, _, err := f.blobs.Put(f.ctx, strings.NewReader(body))
	if err != nil {
		f.t.Fatalf("Put: %v", err)
	}
	return h
}

func TestImportExactKeepsUIDsAndModSeqs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		if err := f.RaiseModSeq(f.ctx, f.acct, 500); err != nil {
			t.Fatal(err)
		}
		inbox, err := f.CreateMailboxExact(f.ctx, f.acct, "INBOX", 1234567)
		if err != nil {
			t.Fatal(err)
		}
		work, err := f.CreateMailboxExact(f.ctx, f.acct, "Work/2018", 99)
		if err != nil {
			t.Fatal(err)
		}
		if inbox.UIDValidity != 1234567 || work.UIDValidity != 99 || inbox.ID != f.inbox {
			t.Fatalf("UIDVALIDITY: inbox %+v work %+v", inbox, work)
		}
		if parent := f.mailbox("Work"); parent.UIDValidity == 0 {
			t.Fatal("parent not created")
		}
		// Ids in an order other than UID order: MODSEQ 40 after 300.
		specs := []struct {
			uid    uint32
			modseq uint64
			kws    []string
		}{{3, 300, []string{"$seen"}}, {7, 40, nil}, {20, 450, []string{"$flagged"}}}
		var ids []EmailID
		for _, sp := range specs {
			h := f.putBlob(msg("exact " + string(rune('a'+sp.uid))))
			id, err := f.ImportExact(f.ctx, f.acct, h, []ExactLink{{Mailbox: inbox.ID,
				UID: sp.uid, ModSeq: sp.modseq}}, sp.kws, time.Unix(1e9, 0))
			if err != nil {
				t.Fatalf("ImportExact uid %d: %v", sp.uid, err)
			}
			ids = append(ids, id)
		}
		ents := f.list(inbox.ID)
		if got := uidsOf(ents); !slices.Equal(got, []uint32{3, 7, 20}) {
			t.Fatalf("UIDs %v", got)
		}
		for i, e := range ents {
			if e.ModSeq != specs[i].modseq || e.EmailID != ids[i] {
				t.Errorf("entry %d: %+v", i, e)
			}
		}
		// A lower or equal UID, and a MODSEQ not below the counter, are
		// refused without a trace.
		h := f.putBlob(msg("late"))
		_, err = f.ImportExact(f.ctx, f.acct, h, []ExactLink{{Mailbox: inbox.ID, UID: 20}},
			nil, time.Time{})
		if !errors.Is(err, ErrUIDOrder) {
			t.Fatalf("UID 20 again: %v", err)
		}
		_, err = f.ImportExact(f.ctx, f.acct, h, []ExactLink{{Mailbox: inbox.ID, UID: 30,
			ModSeq: 1 << 40}}, nil, time.Time{})
		if !errors.Is(err, ErrUIDOrder) {
			t.Fatalf("MODSEQ from the future: %v", err)
		}
		if _, msgs, _ := f.Usage(f.ctx, f.acct); msgs != 3 {
			t.Fatalf("usage %d messages", msgs)
		}
		// A second mailbox for the first email, later, under its own UID.
		if err := f.LinkExact(f.ctx, f.acct, ids[0], ExactLink{Mailbox: work.ID, UID: 5,
			ModSeq: 310}); err != nil {
			t.Fatal(err)
		}
		em, err := f.Email(f.ctx, f.acct, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if em.Mailboxes[work.ID] != 5 || em.Mailboxes[inbox.ID] != 3 {
			t.Fatalf("mailboxes %v", em.Mailboxes)
		}
		if err := f.SetUIDNext(f.ctx, f.acct, inbox.ID, 42); err != nil {
			t.Fatal(err)
		}
		if err := f.SetUIDNext(f.ctx, f.acct, inbox.ID, 10); err != nil {
			t.Fatal(err)
		}
		mb := f.mailbox("INBOX")
		if mb.UIDNext != 42 || mb.HighestModSeq <= 500 || mb.Total != 3 || mb.Unread != 2 {
			t.Fatalf("inbox after import: %+v", mb)
		}
		// Ordinary mail goes on from there, above every kept MODSEQ.
		ent := f.appendMsg(inbox.ID, msg("new"))
		if ent.UID != 42 || ent.ModSeq <= 500 {
			t.Fatalf("append after import: %+v", ent)
		}
		changed, err := f.ChangedSince(f.ctx, f.acct, inbox.ID, 299)
		if err != nil {
			t.Fatal(err)
		}
		if got := uidsOf(changed); !slices.Equal(got, []uint32{3, 20, 42}) {
			t.Fatalf("changed since 299: %v", got)
		}
		rep, err := f.CheckIndex(f.ctx, f.acct)
		if err != nil || len(rep.Problems) > 0 || rep.Emails != 4 {
			t.Fatalf("index: %+v %v", rep, err)
		}
		res, err := f.Query(f.ctx, f.acct, Query{Filter: &Filter{Body: "exact"}})
		if err != nil || len(res.IDs) != 3 {
			t.Fatalf("search: %+v %v", res, err)
		}
	})
}

func TestCreateMailboxExactRefusesUsedMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		f.appendMsg(f.inbox, msg("held"))
		uv := f.mailbox("INBOX").UIDValidity
		_, err := f.CreateMailboxExact(f.ctx, f.acct, "INBOX", uv+1)
		if !errors.Is(err, ErrExists) {
			t.Fatalf("new UIDVALIDITY on a used mailbox: %v", err)
		}
		// The same value again is what a resumed import asks.
		if _, err := f.CreateMailboxExact(f.ctx, f.acct, "INBOX", uv); err != nil {
			t.Fatal(err)
		}
		// A value above the shared counter keeps later mailboxes off it.
		if _, err := f.CreateMailboxExact(f.ctx, f.acct, "Kept", 4000000000); err != nil {
			t.Fatal(err)
		}
		mb, err := f.CreateMailbox(f.ctx, f.acct, "Later", "")
		if err != nil {
			t.Fatal(err)
		}
		if mb.UIDValidity <= 4000000000 {
			t.Fatalf("later mailbox UIDVALIDITY %d", mb.UIDValidity)
		}
	})
}

func TestRaiseModSeqTrimsForeignStates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		if err := f.RaiseModSeq(f.ctx, f.acct, 1000); err != nil {
			t.Fatal(err)
		}
		if q, err := f.HighestModSeq(f.ctx, f.acct); err != nil || q != 1000 {
			t.Fatalf("HighestModSeq = %d, %v", q, err)
		}
		for _, since := range []uint64{0, 999, 1000} {
			if _, err := f.Changes(f.ctx, f.acct, since, 0); !errors.Is(err, ErrChangesTrimmed) {
				t.Errorf("Changes since %d: %v", since, err)
			}
		}
		ent := f.appendMsg(f.inbox, msg("after"))
		ch, err := f.Changes(f.ctx, f.acct, ent.ModSeq, 0)
		if err != nil || ch.NewState != ent.ModSeq {
			t.Fatalf("Changes since own state: %+v %v", ch, err)
		}
		if err := f.RaiseModSeq(f.ctx, f.acct, 10); err != nil {
			t.Fatal(err)
		}
		if q, _ := f.HighestModSeq(f.ctx, f.acct); q != ent.ModSeq {
			t.Fatalf("lowered to %d", q)
		}
	})
}
