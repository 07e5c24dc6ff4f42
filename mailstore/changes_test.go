package mailstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		s0, _ := f.HighestModSeq(f.ctx, f.acct)
		a := f.appendMsg(f.inbox, msg("a"))
		b := f.appendMsg(f.inbox, msg("b"))
		s1, _ := f.HighestModSeq(f.ctx, f.acct)
		f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID}, FlagsAdd, []string{"x"}, 0)
		c := f.appendMsg(f.inbox, msg("c"))
		f.DestroyEmail(f.ctx, f.acct, c.EmailID) // created and destroyed: left out
		f.DestroyEmail(f.ctx, f.acct, b.EmailID)

		ch, err := f.ChangesOf(f.ctx, f.acct, KindEmail, s1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Emails.Created) != 0 || !slices.Equal(ch.Emails.Updated, []EmailID{a.EmailID}) ||
			!slices.Equal(ch.Emails.Destroyed, []EmailID{b.EmailID}) {
			t.Errorf("email changes since %d = %+v", s1, ch.Emails)
		}
		high, _ := f.HighestModSeq(f.ctx, f.acct)
		if ch.NewState != high || ch.HasMore {
			t.Errorf("NewState = %d, HasMore %v; want %d, false", ch.NewState, ch.HasMore, high)
		}
		all, err := f.Changes(f.ctx, f.acct, s0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(all.Emails.Created, []EmailID{a.EmailID}) {
			t.Errorf("created since %d = %v, want only a (b destroyed, c both)",
				s0, all.Emails.Created)
		}
		if !slices.Equal(all.Mailboxes.Updated, []MailboxID{f.inbox}) || !all.MailboxCountsOnly {
			t.Errorf("mailbox changes = %+v, counts only %v", all.Mailboxes, all.MailboxCountsOnly)
		}
		if len(all.Threads.Created) != 1 {
			t.Errorf("thread changes = %+v, want a's thread created", all.Threads)
		}

		// Paging with max: changes of one MODSEQ stay together.
		var got []EmailID
		state := s0
		for range 10 {
			p, err := f.ChangesOf(f.ctx, f.acct, KindEmail, state, 1)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Emails.Created...)
			got = append(got, p.Emails.Updated...)
			state = p.NewState
			if !p.HasMore {
				break
			}
		}
		if state != high || !slices.Contains(got, a.EmailID) {
			t.Errorf("paged to %d (want %d), saw %v", state, high, got)
		}
		if _, err := f.Changes(f.ctx, f.acct, high+1, 0); !errors.Is(err, ErrChangesTrimmed) {
			t.Errorf("future state: err = %v, want ErrChangesTrimmed", err)
		}
	})
}

func TestChangesTooMany(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		s0, _ := f.HighestModSeq(f.ctx, f.acct)
		f.appendMsg(f.inbox, msg("a"))
		f.appendMsg(f.inbox, msg("b"))
		mb, _ := f.CreateMailbox(f.ctx, f.acct, "T", "")
		f.Copy(f.ctx, f.acct, f.inbox, []uint32{1, 2}, mb.ID) // 2 emails in one MODSEQ
		s1, _ := f.HighestModSeq(f.ctx, f.acct)
		_, err := f.ChangesOf(f.ctx, f.acct, KindEmail, s1-1, 1)
		if !errors.Is(err, ErrTooManyChanges) {
			t.Errorf("err = %v, want ErrTooManyChanges", err)
		}
		p, err := f.ChangesOf(f.ctx, f.acct, KindEmail, s0, 3)
		if err != nil || !p.HasMore || len(p.Emails.Created) != 2 {
			t.Errorf("max 3 = %+v, %v; want the two appends and HasMore", p, err)
		}
	})
}

func TestCondStoreQResync(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		b := f.appendMsg(f.inbox, msg("b"))
		c := f.appendMsg(f.inbox, msg("c"))
		since := c.ModSeq
		f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID}, FlagsAdd, []string{`\Seen`}, 0)
		f.Expunge(f.ctx, f.acct, f.inbox, []uint32{b.UID})
		d := f.appendMsg(f.inbox, msg("d"))

		ch, err := f.ChangedSince(f.ctx, f.acct, f.inbox, since)
		if err != nil {
			t.Fatal(err)
		}
		if uids := uidsOf(ch); !slices.Equal(uids, []uint32{a.UID, d.UID}) {
			t.Errorf("ChangedSince(%d) = %v, want [1 4]", since, uids)
		}
		van, err := f.Vanished(f.ctx, f.acct, f.inbox, since)
		if err != nil || !slices.Equal(van, []uint32{b.UID}) {
			t.Errorf("Vanished(%d) = %v, %v; want [2]", since, van, err)
		}
		if van, _ := f.Vanished(f.ctx, f.acct, f.inbox, d.ModSeq); len(van) != 0 {
			t.Errorf("Vanished(now) = %v, want none", van)
		}
	})
}

func TestPurgeTrimsChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		f.Expunge(f.ctx, f.acct, f.inbox, []uint32{a.UID})
		old, _ := f.HighestModSeq(f.ctx, f.acct)
		f.clock.Add(DefaultChangeRetention + time.Hour)
		b := f.appendMsg(f.inbox, msg("b"))
		st, err := f.Purge(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Changes == 0 || st.Vanished != 1 {
			t.Errorf("Purge = %+v, want changes and 1 vanished trimmed", st)
		}
		if _, err := f.Changes(f.ctx, f.acct, 0, 0); !errors.Is(err, ErrChangesTrimmed) {
			t.Errorf("Changes(0) err = %v, want ErrChangesTrimmed", err)
		}
		if _, err := f.Vanished(f.ctx, f.acct, f.inbox, 0); !errors.Is(err, ErrChangesTrimmed) {
			t.Errorf("Vanished(0) err = %v, want ErrChangesTrimmed", err)
		}
		ch, err := f.Changes(f.ctx, f.acct, old, 0)
		if err != nil || !slices.Equal(ch.Emails.Created, []EmailID{b.EmailID}) {
			t.Errorf("Changes(%d) = %+v, %v; want b created", old, ch.Emails, err)
		}
	})
}

func TestPurgeBlobs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		a := f.appendMsg(f.inbox, msg("a"))
		f.Copy(f.ctx, f.acct, f.inbox, []uint32{a.UID}, f.mailbox("Archive").ID)
		f.Expunge(f.ctx, f.acct, f.inbox, []uint32{a.UID})
		f.clock.Add(2 * DefaultBlobGrace)
		if st, _ := f.Purge(f.ctx); st.Blobs != 0 {
			t.Fatalf("purged %d blobs still referenced by the copy", st.Blobs)
		}
		f.Expunge(f.ctx, f.acct, f.mailbox("Archive").ID, []uint32{1})
		if st, _ := f.Purge(f.ctx); st.Blobs != 0 {
			t.Fatalf("purged %d blobs within the grace period", st.Blobs)
		}
		f.clock.Add(2 * DefaultBlobGrace)
		if st, _ := f.Purge(f.ctx); st.Blobs != 1 || blobCount(t, f) != 0 {
			t.Fatalf("purge removed %d, %d left; want 1, 0", st.Blobs, blobCount(t, f))
		}
		// The same content delivered again after the purge is stored anew.
		e := f.appendMsg(f.inbox, msg("a"))
		rc, err := f.Open(f.ctx, f.acct, e.EmailID, 0, -1)
		if err != nil {
			t.Fatalf("redelivered message unreadable: %v", err)
		}
		rc.Close()
	})
}
