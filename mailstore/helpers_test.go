package mailstore

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// backend opens a fresh KV and blob store of one kind.
type backend struct {
	name string
	open func(t testing.TB) (store.KV, store.BlobStore)
}

var backends = []backend{
	{"memory", func(t testing.TB) (store.KV, store.BlobStore) {
		return memory.New(), memory.NewBlobs()
	}},
	{"bolt", func(t testing.TB) (store.KV, store.BlobStore) {
		t.Helper()
		db, err := bolt.Open(filepath.Join(t.TempDir(), "mail.db"), bolt.Options{NoSync: true})
		if err != nil {
			t.Fatalf("bolt.Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db, memory.NewBlobs()
	}},
}

// clock is a settable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a Store with one account.
type fixture struct {
	*Store
	t     testing.TB
	ctx   context.Context
	clock *clock
	kv    store.KV
	blobs store.BlobStore
	acct  string
	inbox MailboxID
}

func newFixture(t testing.TB, b backend) *fixture {
	t.Helper()
	kv, blobs := b.open(t)
	return newFixtureOn(t, kv, blobs, Options{})
}

func newFixtureOn(t testing.TB, kv store.KV, blobs store.BlobStore, opts Options) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	opts.KV, opts.Blobs = kv, blobs
	if opts.Now == nil {
		opts.Now = c.Now
	}
	s, err := New(ctx, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.cacheMin = 0 // exercise the view cache on small mailboxes too
	f := &fixture{Store: s, t: t, ctx: ctx, clock: c, kv: kv, blobs: blobs,
		acct: "alice@example.test"}
	if err := s.CreateAccount(ctx, f.acct); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	mb, err := s.MailboxByName(ctx, f.acct, "inbox")
	if err != nil {
		t.Fatalf("MailboxByName(inbox): %v", err)
	}
	f.inbox = mb.ID
	return f
}

// forEachBackend runs a test on every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, newFixture(t, b)) })
	}
}

// msg builds a small message.
func msg(subject string, extra ...string) string {
	var sb strings.Builder
	sb.WriteString("From: Bob Example <bob@example.org>\r\n")
	sb.WriteString("To: Alice Example <alice@example.test>\r\n")
	sb.WriteString("Subject: " + subject + "\r\n")
	sb.WriteString("Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n")
	for _, h := range extra {
		sb.WriteString(h + "\r\n")
	}
	sb.WriteString("\r\nHello " + subject + ".\r\n")
	return sb.String()
}

// appendMsg appends a message and fails the test on error.
func (f *fixture) appendMsg(mbox MailboxID, body string, kws ...string) Entry {
	f.t.Helper()
	ent, _, err := f.Append(f.ctx, f.acct, mbox, strings.NewReader(body), kws, time.Time{})
	if err != nil {
		f.t.Fatalf("Append: %v", err)
	}
	return ent
}

func (f *fixture) mailbox(name string) Mailbox {
	f.t.Helper()
	mb, err := f.MailboxByName(f.ctx, f.acct, name)
	if err != nil {
		f.t.Fatalf("MailboxByName(%q): %v", name, err)
	}
	return mb
}

func (f *fixture) list(mbox MailboxID) []Entry {
	f.t.Helper()
	ents, _, err := f.List(f.ctx, f.acct, mbox)
	if err != nil {
		f.t.Fatalf("List: %v", err)
	}
	return ents
}

func uidsOf(ents []Entry) []uint32 {
	out := make([]uint32, len(ents))
	for i, e := range ents {
		out[i] = e.UID
	}
	return out
}
