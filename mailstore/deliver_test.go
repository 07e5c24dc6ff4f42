package mailstore

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

func TestAppendList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		e1 := f.appendMsg(f.inbox, msg("one"), `\Seen`)
		e2 := f.appendMsg(f.inbox, msg("two"))
		if e1.UID != 1 || e2.UID != 2 {
			t.Fatalf("UIDs = %d, %d, want 1, 2", e1.UID, e2.UID)
		}
		if e2.ModSeq <= e1.ModSeq {
			t.Errorf("MODSEQ %d then %d, want increasing", e1.ModSeq, e2.ModSeq)
		}
		ents, mb, err := f.List(f.ctx, f.acct, f.inbox)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 2 || mb.Total != 2 || mb.Unread != 1 || mb.UIDNext != 3 {
			t.Fatalf("List = %d entries, mailbox %+v", len(ents), mb)
		}
		if mb.HighestModSeq != e2.ModSeq {
			t.Errorf("HighestModSeq = %d, want %d", mb.HighestModSeq, e2.ModSeq)
		}
		if got := ents[0].Keywords; len(got) != 1 || got[0] != KeywordSeen {
			t.Errorf("keywords = %v, want [$seen]", got)
		}
		em, err := f.Email(f.ctx, f.acct, e1.EmailID)
		if err != nil {
			t.Fatal(err)
		}
		if em.Parsed == nil || em.Parsed.Subject != "one" {
			t.Fatalf("Parsed = %+v", em.Parsed)
		}
		if em.Size != int64(len(msg("one"))) {
			t.Errorf("Size = %d, want %d", em.Size, len(msg("one")))
		}
		rc, err := f.Open(f.ctx, f.acct, e1.EmailID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		raw, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != msg("one") {
			t.Errorf("Open = %q", raw)
		}
	})
}

// blobCount counts the blobs in the store.
func blobCount(t testing.TB, f *fixture) int {
	t.Helper()
	n := 0
	if err := f.blobs.Walk(f.ctx, func(store.Hash, int64) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliverManyAccounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		for _, a := range []string{"bob@example.test", "carol@example.test"} {
			if err := f.CreateAccount(f.ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.SetQuota(f.ctx, "carol@example.test", 10, 0); err != nil {
			t.Fatal(err)
		}
		junk, _ := f.MailboxByRole(f.ctx, "bob@example.test", RoleJunk)
		when := time.Date(2025, 5, 23, 16, 35, 53, 0, time.UTC)
		ds, err := f.Deliver(f.ctx, strings.NewReader(msg("to all")), when, []Recipient{
			{Account: f.acct},
			{Account: "bob@example.test", Mailbox: junk.ID},
			{Account: "carol@example.test"},
			{Account: "nobody@example.test"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Err != nil || ds[0].UID != 1 || ds[0].Mailbox != f.inbox {
			t.Errorf("alice: %+v", ds[0])
		}
		if ds[1].Err != nil || ds[1].Mailbox != junk.ID {
			t.Errorf("bob: %+v", ds[1])
		}
		if !errors.Is(ds[2].Err, ErrOverQuota) {
			t.Errorf("carol: err = %v, want ErrOverQuota", ds[2].Err)
		}
		if !errors.Is(ds[3].Err, ErrNotFound) {
			t.Errorf("nobody: err = %v, want ErrNotFound", ds[3].Err)
		}
		if n := blobCount(t, f); n != 1 {
			t.Errorf("%d blobs, want 1 for all recipients", n)
		}
		em, _ := f.Email(f.ctx, "bob@example.test", ds[1].EmailID)
		if !em.Received.Equal(when) {
			t.Errorf("received = %v, want %v", em.Received, when)
		}
		if mb := f.mailbox("INBOX"); mb.Total != 1 || mb.Unread != 1 {
			t.Errorf("alice INBOX = %+v", mb)
		}
	})
}

func TestQuota(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		size := int64(len(msg("q1")))
		if err := f.SetQuota(f.ctx, f.acct, 3*size, 2); err != nil {
			t.Fatal(err)
		}
		f.appendMsg(f.inbox, msg("q1"))
		f.appendMsg(f.inbox, msg("q2"))
		q3 := func() error {
			_, _, err := f.Append(f.ctx, f.acct, f.inbox, strings.NewReader(msg("q3")), nil,
				time.Time{})
			return err
		}
		err := q3()
		if !errors.Is(err, ErrOverQuota) {
			t.Fatalf("third append: err = %v, want ErrOverQuota (message limit)", err)
		}
		_, _, _, err = f.Copy(f.ctx, f.acct, f.inbox, []uint32{1}, f.mailbox("Archive").ID)
		if !errors.Is(err, ErrOverQuota) {
			t.Errorf("copy over quota: err = %v, want ErrOverQuota", err)
		}
		if err := f.SetQuota(f.ctx, f.acct, 2*size+5, 0); err != nil {
			t.Fatal(err)
		}
		err = q3()
		if !errors.Is(err, ErrOverQuota) {
			t.Fatalf("append: err = %v, want ErrOverQuota (byte limit)", err)
		}
		q, err := f.Quota(f.ctx, f.acct)
		if err != nil || q.Messages != 2 || q.Bytes != 2*size || q.MaxBytes != 2*size+5 {
			t.Errorf("Quota = %+v, %v", q, err)
		}
		// Freeing space lets mail in again.
		if _, err := f.Expunge(f.ctx, f.acct, f.inbox, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		f.appendMsg(f.inbox, msg("q3"))
		if err := f.SetQuota(f.ctx, f.acct, -1, 0); err == nil {
			t.Error("negative quota accepted")
		}
	})
}

// TestReceivedDates checks cases 030 and 035: explicit internal dates are
// kept to the second, Import defaults to the topmost Received header and
// never lies in the future.
func TestReceivedDates(t *testing.T) {
	withReceived := "Received: from mx.example.org (mx.example.org [192.0.2.40])\r\n" +
		" by mx.example.test with ESMTPS; Tue, 05 Mar 2019 10:15:00 +0000\r\n" +
		"Received: from a by b; Mon, 04 Mar 2019 09:00:00 +0000\r\n" + msg("old mail")
	future := "Received: from a by b; Tue, 05 Mar 2999 10:15:00 +0000\r\n" + msg("future")
	forEachBackend(t, func(t *testing.T, f *fixture) {
		when := time.Date(2018, 1, 7, 18, 32, 7, 0, time.FixedZone("x", 3600))
		ent, uv, err := f.Append(f.ctx, f.acct, f.inbox, strings.NewReader(msg("2018")),
			[]string{`\Seen`}, when)
		if err != nil {
			t.Fatal(err)
		}
		if !ent.Received.Equal(when) || uv != f.mailbox("INBOX").UIDValidity {
			t.Errorf("Append = %+v, %d; want received %v", ent, uv, when)
		}
		tests := []struct {
			name, raw string
			given     time.Time
			want      time.Time
		}{
			{"received header", withReceived, time.Time{},
				time.Date(2019, 3, 5, 10, 15, 0, 0, time.UTC)},
			{"no header", msg("b"), time.Time{}, f.clock.Now()},
			{"given", msg("b"), time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
				time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)},
			{"future header", future, time.Time{}, f.clock.Now()},
		}
		for _, tc := range tests {
			h, _, err := f.blobs.Put(f.ctx, strings.NewReader(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			em, err := f.Import(f.ctx, f.acct, h, []MailboxID{f.inbox}, nil, tc.given)
			if err != nil {
				t.Fatalf("%s: Import: %v", tc.name, err)
			}
			if !em.Received.Equal(tc.want) {
				t.Errorf("%s: received = %v, want %v", tc.name, em.Received, tc.want)
			}
		}
		if _, err := f.Import(f.ctx, f.acct, store.Hash{1}, []MailboxID{f.inbox}, nil,
			time.Time{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Import of missing blob: err = %v, want ErrNotFound", err)
		}
	})
}

func TestEmails(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		b := f.appendMsg(f.inbox, msg("b"))
		ems, err := f.Emails(f.ctx, f.acct, []EmailID{b.EmailID, "e999", "junk", a.EmailID})
		if err != nil {
			t.Fatal(err)
		}
		if ems[0] == nil || ems[0].ID != b.EmailID || ems[1] != nil || ems[2] != nil ||
			ems[3] == nil || ems[3].Parsed.Subject != "a" {
			t.Errorf("Emails = %+v", ems)
		}
		if _, err := f.Email(f.ctx, f.acct, "e999"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Email(e999): err = %v, want ErrNotFound", err)
		}
		if _, err := f.Emails(f.ctx, "nobody", nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("Emails of unknown account: err = %v, want ErrNotFound", err)
		}
	})
}

func TestHasBlob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		if err := f.CreateAccount(f.ctx, "bob@example.test"); err != nil {
			t.Fatal(err)
		}
		a := f.appendMsg(f.inbox, msg("mine"))
		f.Copy(f.ctx, f.acct, f.inbox, []uint32{a.UID}, f.mailbox("Archive").ID)
		em, _ := f.Email(f.ctx, f.acct, a.EmailID)
		check := func(account string, want bool) {
			t.Helper()
			if got, err := f.HasBlob(f.ctx, account, em.Blob); err != nil || got != want {
				t.Errorf("HasBlob(%s) = %v, %v; want %v", account, got, err, want)
			}
		}
		check(f.acct, true)
		check("bob@example.test", false)
		f.DestroyEmail(f.ctx, f.acct, a.EmailID)
		check(f.acct, true) // the copy still holds it
		f.Expunge(f.ctx, f.acct, f.mailbox("Archive").ID, []uint32{1})
		check(f.acct, false)
	})
}
