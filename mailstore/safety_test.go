package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
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
			f := newFixtureOn(t, fkv, blobs, Options{OwnBlobs: true})
			f.appendMsg(f.inbox, msg("first"))
			before := f.mailbox("INBOX")
			high, _ := f.HighestModSeq(f.ctx, f.acct)

			broken := *f.Store
			broken.blobs = failingBlobs{blobs}
			_, err := broken.Deliver(f.ctx, strings.NewReader(msg("lost")), time.Time{},
				[]Recipient{{Account: f.acct}})
			if err == nil {
				t.Fatal("Deliver with failing blob store succeeded")
			}
			for _, sp := range []store.Space{spaceTerm, spaceThread, spaceParsed, spaceChange} {
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
			if n := blobCount(t, f); n != 5 {
				t.Fatalf("%d blobs, want 5 before purge", n)
			}
			f.clock.Add(2 * DefaultBlobGrace)
			st, err := f.Purge(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Blobs != 4 || blobCount(t, f) != 1 {
				t.Errorf("purge removed %d blobs, %d left; want 4 and 1",
					st.Blobs, blobCount(t, f))
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
		err = f.kv.Update(f.ctx, func(tx store.Tx) error {
			return f.setMarks(tx, []store.Hash{h}, gcDeleting)
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
