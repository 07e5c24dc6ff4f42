package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

func TestUIDAndModSeqRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		var last uint64
		var uids []uint32
		for i := range 5 {
			e := f.appendMsg(f.inbox, msg(fmt.Sprint("m", i)))
			if e.ModSeq <= last {
				t.Fatalf("MODSEQ %d after %d", e.ModSeq, last)
			}
			last = e.ModSeq
			uids = append(uids, e.UID)
		}
		if _, err := f.Expunge(f.ctx, f.acct, f.inbox, []uint32{4, 5}); err != nil {
			t.Fatal(err)
		}
		e := f.appendMsg(f.inbox, msg("after"))
		if e.UID != 6 {
			t.Errorf("UID after expunging the highest = %d, want 6", e.UID)
		}
		high, err := f.HighestModSeq(f.ctx, f.acct)
		if err != nil || high != e.ModSeq {
			t.Errorf("HighestModSeq = %d, %v; want %d", high, err, e.ModSeq)
		}
		// A mailbox's HIGHESTMODSEQ moves with any change in it, an
		// expunge included (RFC 7162 section 3.1.2.1).
		before := f.mailbox("INBOX").HighestModSeq
		if _, err := f.Expunge(f.ctx, f.acct, f.inbox, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		if after := f.mailbox("INBOX").HighestModSeq; after <= before {
			t.Errorf("HIGHESTMODSEQ %d after expunge, was %d", after, before)
		}
		// Other mailboxes do not move.
		if d := f.mailbox("Drafts"); d.HighestModSeq >= before {
			t.Errorf("Drafts HIGHESTMODSEQ %d moved", d.HighestModSeq)
		}
	})
}

// TestConcurrentDeliveries delivers to one mailbox from many goroutines:
// every message gets its own UID and MODSEQ.
func TestConcurrentDeliveries(t *testing.T) {
	const workers, each = 8, 20
	forEachBackend(t, func(t *testing.T, f *fixture) {
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					ds, err := f.Deliver(f.ctx, strings.NewReader(msg(fmt.Sprint(w, "-", i))),
						time.Time{}, []Recipient{{Account: f.acct}})
					if err == nil {
						err = ds[0].Err
					}
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		ents, mb, err := f.List(f.ctx, f.acct, f.inbox)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != workers*each || mb.Total != workers*each || mb.UIDNext != workers*each+1 {
			t.Fatalf("%d entries, mailbox %+v; want %d", len(ents), mb, workers*each)
		}
		seenUID := map[uint32]bool{}
		seenMod := map[uint64]bool{}
		for _, e := range ents {
			if seenUID[e.UID] || seenMod[e.ModSeq] {
				t.Fatalf("duplicate UID %d or MODSEQ %d", e.UID, e.ModSeq)
			}
			seenUID[e.UID], seenMod[e.ModSeq] = true, true
		}
		checkConsistency(t, f)
	})
}

// failingBlobs fails Put after reading part of the message.
type failingBlobs struct{ store.BlobStore }

func (b failingBlobs) Put(ctx context.Context, r io.Reader) (store.Hash, int64, error) {
	buf := make([]byte, 10)
	io.ReadFull(r, buf)
	return store.Hash{}, 0, errors.New("disk full")
}

// failingKV fails every write to one space inside Update.
type failingKV struct {
	store.KV
	mu    sync.Mutex
	space store.Space
}

func (kv *failingKV) fail(sp store.Space) {
	kv.mu.Lock()
	kv.space = sp
	kv.mu.Unlock()
}

func (kv *failingKV) Update(ctx context.Context, fn func(store.Tx) error) error {
	kv.mu.Lock()
	sp := kv.space
	kv.mu.Unlock()
	return kv.KV.Update(ctx, func(tx store.Tx) error { return fn(failingTx{tx, sp}) })
}

type failingTx struct {
	store.Tx
	space store.Space
}

func (tx failingTx) Put(sp store.Space, k, v []byte) error {
	if sp == tx.space {
		return errors.New("injected write failure")
	}
	return tx.Tx.Put(sp, k, v)
}

// TestDeliveryAllOrNothing checks crash safety: a delivery whose blob
// write or transaction fails leaves no trace in the mailbox, the counters,
// the change log or the quota, and its blob is swept later.
func TestDeliveryAllOrNothing(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			kv, blobs := b.open(t)
			fkv := &failingKV{KV: kv}
			f := newFixtureOn(t, fkv, blobs, Options{})
			f.appendMsg(f.inbox, msg("first"))
			before := f.mailbox("INBOX")
			high, _ := f.HighestModSeq(f.ctx, f.acct)

			broken, err := New(f.ctx, Options{KV: fkv, Blobs: failingBlobs{blobs},
				Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			_, err = broken.Deliver(f.ctx, strings.NewReader(msg("lost")), time.Time{},
				[]Recipient{{Account: f.acct}})
			if err == nil {
				t.Fatal("Deliver with failing blob store succeeded")
			}
			failing := []store.Space{spaceDocTerms, spaceTermPending, spaceThread,
				spaceParsed, spaceChange}
			for _, sp := range failing {
				fkv.fail(sp)
				ds, err := f.Deliver(f.ctx, strings.NewReader(msg("lost "+string(sp))),
					time.Time{}, []Recipient{{Account: f.acct}})
				if err != nil || ds[0].Err == nil {
					t.Fatalf("Deliver failing %s = %+v, %v; want a recipient error", sp, ds, err)
				}
			}
			fkv.fail("")
			after := f.mailbox("INBOX")
			if after != before {
				t.Errorf("mailbox changed by failed deliveries:\n%+v\n%+v", before, after)
			}
			if h, _ := f.HighestModSeq(f.ctx, f.acct); h != high {
				t.Errorf("HighestModSeq %d, want %d", h, high)
			}
			if _, msgs, _ := f.Usage(f.ctx, f.acct); msgs != 1 {
				t.Errorf("usage %d messages, want 1", msgs)
			}
			if ch, _ := f.Changes(f.ctx, f.acct, high, 0); len(ch.Emails.Created) != 0 {
				t.Errorf("changes after failures: %+v", ch)
			}
			checkConsistency(t, f)
			// The first message's blob and one per failed delivery.
			if n := blobCount(t, f); n != 1+len(failing) {
				t.Fatalf("%d blobs, want %d before purge", n, 1+len(failing))
			}
			// The first sweep notes the unreferenced blobs, a sweep past
			// the grace period deletes them.
			if st, err := f.Purge(f.ctx); err != nil || st.Blobs != 0 {
				t.Fatalf("first Purge = %+v, %v", st, err)
			}
			f.clock.Add(2 * DefaultBlobGrace)
			st, err := f.Purge(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Blobs != len(failing) || blobCount(t, f) != 1 {
				t.Errorf("purge removed %d blobs, %d left; want %d and 1",
					st.Blobs, blobCount(t, f), len(failing))
			}
			ent := f.list(f.inbox)
			rc, err := f.Open(f.ctx, f.acct, ent[0].EmailID, 0, -1)
			if err != nil {
				t.Fatalf("surviving message unreadable: %v", err)
			}
			rc.Close()
		})
	}
}

// TestDeliveryDuringPurge checks the race between a purge deleting a blob
// and a delivery of the same content: the delivery fails with
// ErrTemporary, never leaving an email whose blob is gone.
func TestDeliveryDuringPurge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		raw := msg("race")
		h, _, err := f.blobs.Put(f.ctx, strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		// What store.BlobRefs.Sweep records while it deletes a blob: state
		// 2, then the time.
		deleting := append([]byte{2}, make([]byte, 8)...)
		err = f.kv.Update(f.ctx, func(tx store.Tx) error {
			return tx.Put(store.BlobSweepSpace, h[:], deleting)
		})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := f.Deliver(f.ctx, strings.NewReader(raw), time.Time{},
			[]Recipient{{Account: f.acct}})
		if err != nil || !errors.Is(ds[0].Err, ErrTemporary) {
			t.Fatalf("Deliver = %+v, %v; want ErrTemporary", ds, err)
		}
		if mb := f.mailbox("INBOX"); mb.Total != 0 {
			t.Errorf("INBOX holds %d", mb.Total)
		}
	})
}

// TestReopen checks that what a bolt store committed is there after the
// store is closed and opened again, counters included.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.db")
	blobs := memory.NewBlobs()
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureOn(t, db, blobs, Options{})
	e := f.appendMsg(f.inbox, msg("kept"), `\Seen`)
	before := f.mailbox("INBOX")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := newFixtureOn(t, db, blobs, Options{})
	if got := g.mailbox("INBOX"); got != before {
		t.Errorf("INBOX after reopen = %+v, want %+v", got, before)
	}
	mb, err := g.Mailbox(g.ctx, g.acct, g.inbox)
	if err != nil || mb.Name != InboxName {
		t.Errorf("Mailbox(%s) = %+v, %v", g.inbox, mb, err)
	}
	next := g.appendMsg(g.inbox, msg("next"))
	if next.UID != e.UID+1 || next.ModSeq <= e.ModSeq {
		t.Errorf("after reopen: UID %d MODSEQ %d, want %d and above %d",
			next.UID, next.ModSeq, e.UID+1, e.ModSeq)
	}
	rc, err := g.Open(g.ctx, g.acct, e.EmailID, 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rc)
	rc.Close()
	if want := msg("kept")[6:10]; string(part) != want {
		t.Errorf("Open range = %q, want %q", part, want)
	}
}

func TestLayoutVersion(t *testing.T) {
	ctx := context.Background()
	for _, v := range []int{LayoutCurrent + 1, LayoutCurrent - 1} {
		kv := memory.New()
		err := kv.Update(ctx, func(tx store.Tx) error {
			if v == 0 {
				// An older store whose spaces predate this release.
				return tx.Put(spaceMeta, []byte(spaceEmail), []byte{0})
			}
			return store.Layout{Component: LayoutComponent}.SetVersion(tx, v)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(ctx, Options{KV: kv, Blobs: memory.NewBlobs()})
		want := store.ErrLayoutTooNew
		if v < LayoutCurrent {
			want = store.ErrNeedsMigration
		}
		if !errors.Is(err, want) {
			t.Errorf("New on layout %d: err = %v, want %v", v, err, want)
		}
	}
	kv := memory.New()
	if _, err := New(ctx, Options{KV: kv, Blobs: memory.NewBlobs()}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, Options{KV: kv, Blobs: memory.NewBlobs()}); err != nil {
		t.Errorf("second New on the same store: %v", err)
	}
}
