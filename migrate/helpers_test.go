package migrate

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/kvblob"
	"github.com/bulwarkmail/bulwark/store/memory"
	storesql "github.com/bulwarkmail/bulwark/store/sql"
)

// server is a complete set of stores for a test.
type server struct {
	kv    store.KV
	blobs store.BlobStore
	mail  *mailstore.Store
	dir   *local.Directory
	sieve *sieve.Storage
}

func (s *server) source() Source {
	return Source{Mail: s.mail, Directory: s.dir, Sieve: s.sieve, KV: s.kv, Blobs: s.blobs}
}

func (s *server) target() Target {
	return Target{Mail: s.mail, Blobs: s.blobs, KV: s.kv, Directory: s.dir, Sieve: s.sieve}
}

// newServer opens a server on kv with blobs kept in the same KV unless
// blobs is given.
func newServer(t testing.TB, kv store.KV, blobs store.BlobStore) *server {
	t.Helper()
	ctx := context.Background()
	if blobs == nil {
		b, err := kvblob.New(kv, kvblob.Options{})
		if err != nil {
			t.Fatal(err)
		}
		blobs = b
	}
	mail, err := mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: blobs,
		QueryCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := local.New(ctx, kv, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &server{kv: kv, blobs: blobs, mail: mail, dir: dir,
		sieve: sieve.NewStorage(kv, sieve.StorageOptions{})}
}

func memoryServer(t *testing.T) *server {
	t.Helper()
	return newServer(t, memory.New(), memory.NewBlobs())
}

func boltServer(t *testing.T) *server {
	t.Helper()
	return newServer(t, newBoltKV(t), nil)
}

// newBoltKV opens a bolt store in a temporary folder, closed at cleanup.
func newBoltKV(tb testing.TB) store.KV {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "mail.db"), bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func sqliteServer(t *testing.T) *server {
	t.Helper()
	db, err := storesql.Open(context.Background(), storesql.Options{Driver: "sqlite",
		DSN: filepath.Join(t.TempDir(), "mail.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newServer(t, db, nil)
}

// testMessage builds message n of an account.
func testMessage(account string, n int) string {
	return fmt.Sprintf("From: sender%d@example.org\r\nTo: %s\r\n"+
		"Subject: message %d\r\nMessage-ID: <%d.%s>\r\n\r\nBody of message %d.\r\n"+
		"From the start, a line that must stay as it is.\r\n",
		n%7, account, n, n, account, n)
}

var testKeywords = [][]string{nil, {"$seen"}, {"$seen", "$flagged"},
	{"$answered", "custom"}, {"$draft"}}

// populate fills src with accounts, nested mailboxes, flagged messages,
// one message in two mailboxes, principals and scripts.
func populate(t *testing.T, s *server, accounts, perAccount int) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.dir.AddDomain(ctx, "example.test"))
	must(s.dir.CreatePrincipal(ctx, directory.Principal{Name: "staff",
		Type: directory.Group, Emails: []string{"staff@example.test"}}, ""))
	base := time.Date(2018, 1, 7, 18, 32, 7, 0, time.UTC)
	for a := range accounts {
		acct := fmt.Sprintf("user%d@example.test", a)
		must(s.dir.CreatePrincipal(ctx, directory.Principal{Name: acct,
			Emails: []string{acct}, MemberOf: []string{"staff"}, Roles: []string{"user"}},
			"secret"+acct))
		_, _, err := s.dir.AddAppPassword(ctx, acct, "phone")
		must(err)
		must(s.mail.CreateAccount(ctx, acct))
		must(s.mail.SetQuota(ctx, acct, 1<<30, 100000))
		var boxes []mailstore.MailboxID
		inbox, err := s.mail.MailboxByName(ctx, acct, "INBOX")
		must(err)
		boxes = append(boxes, inbox.ID)
		for _, name := range []string{"Work", "Work/Projects", "Work/Projects/2018",
			"Lists/go-nuts"} {
			mb, err := s.mail.CreateMailbox(ctx, acct, name, "")
			must(err)
			boxes = append(boxes, mb.ID)
		}
		must(s.mail.SetSubscribed(ctx, acct, boxes[2], true))
		for n := range perAccount {
			received := base.Add(time.Duration(n) * 37 * time.Hour)
			mbox := boxes[n%len(boxes)]
			_, _, err := s.mail.Append(ctx, acct, mbox,
				strings.NewReader(testMessage(acct, n)), testKeywords[n%len(testKeywords)],
				received)
			must(err)
		}
		// One message in two mailboxes.
		ents, _, err := s.mail.List(ctx, acct, boxes[0])
		must(err)
		if len(ents) > 0 {
			err = s.mail.SetEmailMailboxes(ctx, acct, ents[0].EmailID,
				[]mailstore.MailboxID{boxes[0], boxes[3]})
			must(err)
		}
		_, err = s.sieve.Put(ctx, acct, "main", `require "fileinto"; fileinto "Work";`)
		must(err)
		_, err = s.sieve.Put(ctx, acct, "old", `keep;`)
		must(err)
		must(s.sieve.Activate(ctx, acct, "main"))
	}
}

// mailboxView is what must survive a round trip for one mailbox.
type mailboxView struct {
	Role       string
	Subscribed bool
	Messages   []messageView
}

type messageView struct {
	Body     string
	Keywords string
	Received time.Time
}

// snapshot reads an account through the mailstore API, keyed by mailbox
// name, messages in UID order.
func snapshot(t *testing.T, s *server, account string) map[string]mailboxView {
	t.Helper()
	ctx := context.Background()
	mbs, err := s.mail.Mailboxes(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]mailboxView{}
	for _, mb := range mbs {
		ents, _, err := s.mail.List(ctx, account, mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := mailboxView{Role: mb.Role, Subscribed: mb.Subscribed}
		for _, e := range ents {
			v.Messages = append(v.Messages, messageView{Body: readEmail(t, s, account, e.EmailID),
				Keywords: strings.Join(e.Keywords, " "), Received: e.Received.UTC()})
		}
		// UIDs are drawn anew: an email in several mailboxes may come
		// in another order than it had in all but its first.
		slices.SortFunc(v.Messages, func(a, b messageView) int {
			return strings.Compare(a.Body, b.Body)
		})
		out[mb.Name] = v
	}
	return out
}

func readEmail(t *testing.T, s *server, account string, id mailstore.EmailID) string {
	t.Helper()
	rc, err := s.mail.Open(context.Background(), account, id, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// compareServers checks that every account of a reads the same in b.
func compareServers(t *testing.T, a, b *server) {
	t.Helper()
	ctx := context.Background()
	accts, err := a.mail.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.mail.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(accts, got) {
		t.Fatalf("accounts: got %v, want %v", got, accts)
	}
	for _, acct := range accts {
		want, have := snapshot(t, a, acct), snapshot(t, b, acct)
		if len(want) != len(have) {
			t.Errorf("%s: %d mailboxes, want %d", acct, len(have), len(want))
		}
		for name, w := range want {
			h, ok := have[name]
			if !ok {
				t.Errorf("%s: mailbox %q missing", acct, name)
				continue
			}
			if h.Role != w.Role || h.Subscribed != w.Subscribed {
				t.Errorf("%s/%s: role %q subscribed %v, want %q %v", acct, name,
					h.Role, h.Subscribed, w.Role, w.Subscribed)
			}
			if !slices.Equal(h.Messages, w.Messages) {
				t.Errorf("%s/%s: %d messages differ from %d", acct, name,
					len(h.Messages), len(w.Messages))
			}
		}
	}
}
