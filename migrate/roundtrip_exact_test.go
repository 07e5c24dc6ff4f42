package migrate

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	storesql "github.com/bulwarkmail/bulwark/store/sql"
)

// exactAccounts and exactPerAccount size the server of the exact round
// trip: a few thousand messages.
const (
	exactAccounts   = 3
	exactPerAccount = 800
)

// TestRoundTripExact exports a populated server (nested mailboxes,
// flags changed after delivery, expunged messages, an email in two
// mailboxes in crossed UID orders, Sieve scripts, queued mail,
// identities, a vacation response) and imports it into bolt, SQLite and
// PostgreSQL. Each target must read as the source through IMAP (same
// UIDVALIDITY, UIDNEXT, UIDs, flags, bodies, MODSEQ order) and JMAP
// (keywords, mailboxes, identities, vacation), and deliver the mail
// still queued.
func TestRoundTripExact(t *testing.T) {
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, exactAccounts, exactPerAccount)
	accounts, err := src.mail.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		mutate(t, src, a)
	}
	srcJMAP := serveJMAP(t, src)
	for _, a := range accounts {
		setAccountData(t, srcJMAP, a)
	}
	pending := queueSome(t, src)
	dir := t.TempDir()
	man, err := Export(ctx, src.source(), dir, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if man.Queued != len(pending) {
		t.Fatalf("manifest: %d queued, want %d", man.Queued, len(pending))
	}
	srcIMAP := serveIMAP(t, src)
	targets := map[string]func(*testing.T) *server{"bolt": boltServer,
		"postgres": postgresServer}
	// SQLite under the race detector takes minutes for this many
	// messages; PostgreSQL covers SQL there.
	if !raceEnabled {
		targets["sqlite"] = sqliteServer
	}
	for name, open := range targets {
		t.Run(name, func(t *testing.T) {
			dst := open(t)
			start := time.Now()
			if _, err := Import(ctx, dst.target(), dir, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Logf("imported %d messages in %v", man.Messages, time.Since(start))
			compareDirectory(t, src, dst)
			dstIMAP, dstJMAP := serveIMAP(t, dst), serveJMAP(t, dst)
			n := 0
			for _, a := range accounts {
				n += compareIMAP(t, srcIMAP, dstIMAP, a)
				compareJMAP(t, srcJMAP, dstJMAP, a)
				compareScripts(t, src, dst, a)
			}
			if n < exactAccounts*exactPerAccount*9/10 {
				t.Fatalf("only %d messages compared over IMAP", n)
			}
			deliverQueued(t, dst, pending)
		})
	}
}

// postgresServer opens a server on PostgreSQL in tables of its own,
// dropped at cleanup; it skips when PostgreSQL is not running, unless
// CI is set.
func postgresServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	db, err := storesql.Open(ctx, storesql.Options{Driver: "postgres",
		DSN:         "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		TablePrefix: fmt.Sprintf("rt%d_", time.Now().UnixNano())})
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("PostgreSQL not reachable: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.DropTables(context.Background()); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return newServer(t, db, nil)
}

// mutate gives an account the history that makes IMAP state worth
// keeping: flags changed after delivery in reverse UID order (MODSEQ
// order unlike UID order), expunged messages (gaps in UIDs, UIDNEXT past
// the last UID), and two emails added to a second mailbox in the reverse
// of their order in the first.
func mutate(t *testing.T, s *server, account string) {
	t.Helper()
	ctx := context.Background()
	inbox, err := s.mail.MailboxByName(ctx, account, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	ents, _, err := s.mail.List(ctx, account, inbox.ID)
	if err != nil || len(ents) < 12 {
		t.Fatalf("inbox of %s: %d messages, %v", account, len(ents), err)
	}
	for i := len(ents) - 1; i >= 0; i -= 7 {
		_, _, err := s.mail.Store(ctx, account, inbox.ID, []uint32{ents[i].UID},
			mailstore.FlagsAdd, []string{"$flagged", "later"}, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.mail.Expunge(ctx, account, inbox.ID,
		[]uint32{ents[6].UID, ents[len(ents)-1].UID}); err != nil {
		t.Fatal(err)
	}
	nuts, err := s.mail.MailboxByName(ctx, account, "Lists/go-nuts")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []mailstore.Entry{ents[9], ents[8]} {
		err := s.mail.SetEmailMailboxes(ctx, account, e.EmailID,
			[]mailstore.MailboxID{inbox.ID, nuts.ID})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// setAccountData gives an account an identity and a vacation response
// through JMAP.
func setAccountData(t *testing.T, url, account string) {
	t.Helper()
	c := newJMAPClient(t, url, account)
	c.call("Identity/set", map[string]any{"create": map[string]any{"w": map[string]any{
		"email": account, "name": "Work " + account, "textSignature": "-- \nWork"}}})
	c.call("VacationResponse/set", map[string]any{"update": map[string]any{
		"singleton": map[string]any{"isEnabled": true, "subject": "Away",
			"textBody": "Back on the 12th.", "fromDate": "2026-12-01T00:00:00Z"}}})
}

// halfFail delivers to recipients whose address starts with "ok" and
// answers 451 to the others.
type halfFail struct{}

func (halfFail) Deliver(_ context.Context, _ string, m *client.Message) ([]error, error) {
	out := make([]error, len(m.Recipients))
	for i, r := range m.Recipients {
		if !strings.HasPrefix(r.Address, "ok") {
			out[i] = &client.Error{Code: 451, Status: "4.3.0", Lines: []string{"try later"}}
		}
	}
	return out, nil
}

// queueSome queues messages on the source with one recipient delivered
// and one waiting for a retry each, and returns the addresses still due
// per subject.
func queueSome(t *testing.T, s *server) map[string]string {
	t.Helper()
	ctx := context.Background()
	q, err := queue.New(ctx, queue.Options{KV: s.kv, Blobs: s.blobs, Transport: halfFail{},
		Hostname: "mx.example.test", PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var ids []string
	for i := range 4 {
		subj := fmt.Sprintf("queued %d", i)
		rc := fmt.Sprintf("later%d@example.net", i)
		id, err := q.Submit(ctx, queue.Envelope{From: "user0@example.test", EnvID: "e" + subj[7:],
			Recipients: []queue.RecipientSpec{{Address: "ok@example.net"},
				{Address: rc, Notify: []string{"FAILURE"}}}},
			strings.NewReader("From: user0@example.test\r\nTo: "+rc+"\r\nSubject: "+subj+
				"\r\n\r\nStill on its way.\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		want[subj] = rc
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for {
			m, err := q.Inspect(ctx, id)
			if err == nil && m.LeaseOwner == "" && m.Recipients[1].Attempts == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("message %s not tried: %+v %v", id, m, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	shut, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := q.Shutdown(shut); err != nil {
		t.Fatal(err)
	}
	return want
}

// deliverQueued runs a queue on the imported store, an hour later than
// now so the retries are due, against a loopback SMTP server as the MX of
// example.net, and checks that each recipient left waiting gets its
// message and no other recipient gets one again.
func deliverQueued(t *testing.T, s *server, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	smtpd := &clienttest.Server{}
	if _, err := smtpd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(smtpd.Close)
	port := smtpd.Port()
	zones := map[string]mockdns.Zone{
		"example.net.":    {MX: []net.MX{{Host: "mx.example.net.", Pref: 10}}},
		"mx.example.net.": {A: []string{"127.0.0.1"}},
	}
	tr := client.New(client.Options{Resolver: &mockdns.Resolver{Zones: zones},
		Timeout: 5 * time.Second,
		Dial: func(ctx context.Context, _ client.Target) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		}})
	q, err := queue.New(ctx, queue.Options{KV: s.kv, Blobs: s.blobs, Transport: tr,
		Hostname: "mx.example.test", PollInterval: 10 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		shut, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_ = q.Shutdown(shut)
		tr.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for len(smtpd.Messages()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]string{}
	for _, m := range smtpd.Messages() {
		subj := ""
		for l := range strings.SplitSeq(string(m.Data), "\r\n") {
			if s, ok := strings.CutPrefix(l, "Subject: "); ok {
				subj = s
			}
		}
		got[subj] = strings.Join(m.To, ",")
	}
	if len(got) != len(want) {
		t.Fatalf("delivered after import: %v, want %v", got, want)
	}
	for subj, rc := range want {
		if got[subj] != rc {
			t.Errorf("%q delivered to %q, want %q only", subj, got[subj], rc)
		}
	}
	for time.Now().Before(deadline) {
		if left, err := q.List(ctx, 0); err == nil && len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("queue not empty after delivery")
}
