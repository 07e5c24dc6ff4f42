package mailstore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// checkConsistency verifies the invariants that tie the records of an
// account together: mailbox counts match their entries, every entry's
// email links back to it, usage matches the emails, and every email is in
// its thread, and the full-text index agrees with the emails.
func checkConsistency(t testing.TB, f *fixture) {
	t.Helper()
	err := f.view(f.ctx, f.acct, func(tx store.Tx, a accountRec) error {
		emails := map[uint64]*emailRec{}
		var bytes int64
		err := tx.Scan(spaceEmail, store.Prefix(newKey(a.num)), func(k, v []byte) error {
			rec, err := decodeEmail(v)
			emails[be64(k[4:])] = &rec
			bytes += rec.size
			return err
		})
		if err != nil {
			return err
		}
		if a.messages != int64(len(emails)) || a.bytes != bytes {
			t.Errorf("usage %d/%d, records %d/%d", a.messages, a.bytes, len(emails), bytes)
		}
		var ir IndexReport
		if err := checkIndex(tx, a.num, &ir); err != nil {
			return err
		}
		if len(ir.Problems) > 0 {
			t.Errorf("full-text index: %v", ir.Problems)
		}
		links := 0
		err = tx.Scan(spaceMailbox, store.Prefix(newKey(a.num)), func(k, v []byte) error {
			mb, err := decodeMailbox(v)
			if err != nil {
				return err
			}
			n, err := checkMailbox(t, tx, a.num, be32(k[4:]), &mb, emails)
			links += n
			return err
		})
		if err != nil {
			return err
		}
		want := 0
		for e, rec := range emails {
			want += len(rec.links)
			if len(rec.links) == 0 {
				t.Errorf("email %d in no mailbox", e)
			}
			checkThread(t, tx, a.num, e, rec)
		}
		if links != want {
			t.Errorf("%d entries, emails list %d links", links, want)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("check consistency: %v", err)
	}
}

func checkMailbox(t testing.TB, tx store.Tx, a, m uint32, mb *mailboxRec,
	emails map[uint64]*emailRec) (int, error) {
	t.Helper()
	var total, unread uint32
	var size int64
	err := tx.Scan(spaceUID, store.Prefix(mailboxKey(a, m)), func(k, v []byte) error {
		ent, err := decodeEntry(v)
		if err != nil {
			return err
		}
		uid := be32(k[8:])
		total++
		size += ent.size
		if !seen(ent.keywords) {
			unread++
		}
		rec := emails[ent.email]
		if rec == nil {
			t.Errorf("mailbox %q UID %d: email %d missing", mb.name, uid, ent.email)
			return nil
		}
		if got, ok := rec.link(m); !ok || got != uid {
			t.Errorf("mailbox %q UID %d: email links %v", mb.name, uid, rec.links)
		}
		if fmt.Sprint(ent.keywords) != fmt.Sprint(rec.keywords) {
			t.Errorf("UID %d keywords %v, email %v", uid, ent.keywords, rec.keywords)
		}
		if _, err := tx.Get(spaceModSeq, modseqKey(a, m, ent.modseq, uid)); err != nil {
			t.Errorf("UID %d MODSEQ %d not indexed: %v", uid, ent.modseq, err)
		}
		if last, _ := tx.Counter(spaceCounter, uidCounterKey(a, m)); uint64(uid) > last {
			t.Errorf("UID %d above the mailbox counter %d", uid, last)
		}
		return nil
	})
	if total != mb.total || unread != mb.unread || size != mb.size {
		t.Errorf("mailbox %q counts %d/%d/%d, entries %d/%d/%d", mb.name,
			mb.total, mb.unread, mb.size, total, unread, size)
	}
	return int(total), err
}

func checkThread(t testing.TB, tx store.Tx, a uint32, e uint64, rec *emailRec) {
	t.Helper()
	b, err := tx.Get(spaceThread, threadKey(a, rec.thread))
	if err != nil {
		t.Errorf("email %d: thread %d: %v", e, rec.thread, err)
		return
	}
	th, err := decodeThread(b)
	if err != nil {
		t.Errorf("thread %d: %v", rec.thread, err)
		return
	}
	for _, m := range th.members {
		if m.email == e {
			return
		}
	}
	t.Errorf("email %d not in its thread %d", e, rec.thread)
}

// TestConcurrentOperations runs every kind of write at once on one
// account and then checks that the records still agree.
func TestConcurrentOperations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		arch := f.mailbox("Archive")
		for i := range 20 {
			f.appendMsg(f.inbox, msg(fmt.Sprint("seed ", i)))
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for i := range 40 {
					randomOp(f, r, arch.ID, fmt.Sprint(w, "-", i))
				}
			}()
		}
		wg.Wait()
		checkConsistency(t, f)
	})
}

// randomOp runs one write chosen at random; errors such as a UID another
// goroutine expunged are expected and ignored, the consistency check
// judges the outcome.
func randomOp(f *fixture, r *rand.Rand, arch MailboxID, tag string) {
	uid := []uint32{uint32(1 + r.IntN(60))}
	src, dst := f.inbox, arch
	if r.IntN(2) == 0 {
		src, dst = dst, src
	}
	switch r.IntN(7) {
	case 0:
		f.Deliver(f.ctx, strings.NewReader(msg(tag)), time.Time{}, []Recipient{{Account: f.acct}})
	case 1:
		f.Store.Store(f.ctx, f.acct, src, uid, FlagOp(r.IntN(3)), []string{`\Seen`, "x"}, 0)
	case 2:
		f.Copy(f.ctx, f.acct, src, uid, dst)
	case 3:
		f.Move(f.ctx, f.acct, src, uid, dst)
	case 4:
		f.Expunge(f.ctx, f.acct, src, uid)
	case 5:
		if ents, _, err := f.List(f.ctx, f.acct, src); err == nil && len(ents) > 0 {
			id := ents[r.IntN(len(ents))].EmailID
			f.SetEmailMailboxes(f.ctx, f.acct, id, []MailboxID{f.inbox, arch})
		}
	default:
		f.Query(f.ctx, f.acct, Query{Mailbox: src, Filter: &Filter{Text: "seed"}})
	}
}
