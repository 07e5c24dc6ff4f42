package spamfilter

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// mailFixture is a mail store with one account sharing the filter's KV.
type mailFixture struct {
	t     *testing.T
	ctx   context.Context
	ms    *mailstore.Store
	f     *Filter
	boxes map[string]mailstore.MailboxID // by role
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	ctx := context.Background()
	kv := memory.New()
	t.Cleanup(func() { kv.Close() })
	ms, err := mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: memory.NewBlobs()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.CreateAccount(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	fx := &mailFixture{t: t, ctx: ctx, ms: ms, f: newFilter(t, Options{KV: kv}),
		boxes: map[string]mailstore.MailboxID{}}
	boxes, err := ms.Mailboxes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range boxes {
		fx.boxes[b.Role] = b.ID
	}
	return fx
}

// deliver files a message in the mailbox of a role and returns its UID.
func (fx *mailFixture) deliver(role string, n int) uint32 {
	fx.t.Helper()
	raw := synthMessage(rand.New(rand.NewPCG(uint64(n), 1)), true, n)
	if role == mailstore.RoleJunk {
		// Filed in Junk by the filter, which flags what it files.
		raw = HeaderFlag + ": YES\r\n" + raw
	}
	out, err := fx.ms.Deliver(fx.ctx, strings.NewReader(raw), time.Time{},
		[]mailstore.Recipient{{Account: "alice", Mailbox: fx.boxes[role]}})
	if err != nil || out[0].Err != nil {
		fx.t.Fatalf("Deliver: %v %v", err, out)
	}
	return out[0].UID
}

// move moves one message between the mailboxes of two roles and returns
// its UID in the destination.
func (fx *mailFixture) move(from, to string, uid uint32) uint32 {
	fx.t.Helper()
	_, dst, _, err := fx.ms.Move(fx.ctx, "alice", fx.boxes[from], []uint32{uid}, fx.boxes[to])
	if err != nil || len(dst) != 1 {
		fx.t.Fatalf("Move: %v", err)
	}
	return dst[0]
}

func TestJunkWatcherSync(t *testing.T) {
	fx := newMailFixture(t)
	w := &JunkWatcher{Filter: fx.f, Source: fx.ms}
	sync := func() {
		t.Helper()
		if err := w.Sync(fx.ctx, "alice"); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
	// Present before the first sync: the baseline, not trained.
	oldJunk := fx.deliver(mailstore.RoleJunk, 1)
	sync()
	assertTotals(t, fx.f, "alice", counts{0, 0})

	uid := fx.deliver(mailstore.RoleInbox, 2)
	fx.deliver(mailstore.RoleJunk, 3)
	sync()
	assertTotals(t, fx.f, "alice", counts{0, 0})

	junkUID := fx.move(mailstore.RoleInbox, mailstore.RoleJunk, uid)
	sync()
	assertTotals(t, fx.f, "alice", counts{1, 0})

	fx.move(mailstore.RoleJunk, mailstore.RoleInbox, junkUID)
	sync()
	assertTotals(t, fx.f, "alice", counts{0, 1})

	// Out of Junk into Trash confirms nothing; out into Archive is ham.
	fx.move(mailstore.RoleJunk, mailstore.RoleTrash, oldJunk)
	sync()
	assertTotals(t, fx.f, "alice", counts{0, 1})
	fx.move(mailstore.RoleJunk, mailstore.RoleArchive, 2)
	sync()
	assertTotals(t, fx.f, "alice", counts{0, 2})
	assertTotals(t, fx.f, globalScope, counts{0, 2})
}

func TestJunkWatcherRun(t *testing.T) {
	fx := newMailFixture(t)
	ctx, cancel := context.WithCancel(fx.ctx)
	w := &JunkWatcher{Filter: fx.f, Source: fx.ms, Rescan: 20 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	// Wait for the baseline, then move a message into Junk.
	waitFor(t, func() bool { _, known, _ := w.state(fx.ctx, "alice"); return known })
	uid := fx.deliver(mailstore.RoleInbox, 1)
	// A move the watcher sees in one batch with the arrival counts as an
	// arrival in Junk: let it see the arrival first.
	waitFor(t, func() bool {
		high, _ := fx.ms.HighestModSeq(fx.ctx, "alice")
		q, _, _ := w.state(fx.ctx, "alice")
		return q >= high
	})
	fx.move(mailstore.RoleInbox, mailstore.RoleJunk, uid)
	waitFor(t, func() bool { return totals(t, fx.f, "alice") == counts{1, 0} })

	// An account created later is followed too.
	if err := fx.ms.CreateAccount(fx.ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, known, _ := w.state(fx.ctx, "bob"); return known })

	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJunkWatcherEarlyMove: a message moved into Junk before the watcher
// read its arrival trains as spam, since the filter did not flag it; one
// the filter filed there does not.
func TestJunkWatcherEarlyMove(t *testing.T) {
	fx := newMailFixture(t)
	w := &JunkWatcher{Filter: fx.f, Source: fx.ms}
	if err := w.Sync(fx.ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	early := fx.deliver(mailstore.RoleInbox, 7)
	fx.move(mailstore.RoleInbox, mailstore.RoleJunk, early)
	fx.deliver(mailstore.RoleJunk, 8)
	if err := w.Sync(fx.ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	assertTotals(t, fx.f, "alice", counts{1, 0})
}
