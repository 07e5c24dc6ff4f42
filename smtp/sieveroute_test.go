package smtp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// outbox records what SieveRoute hands to its Outgoing sender.
type outbox struct {
	mu   sync.Mutex
	sent []sentMsg
	fail bool
}

type sentMsg struct {
	from  string
	rcpts []string
	data  string
}

func (o *outbox) Enqueue(ctx context.Context, from string, rcpts []string,
	r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return errors.New("queue unavailable")
	}
	o.sent = append(o.sent, sentMsg{from: from, rcpts: rcpts, data: string(b)})
	return nil
}

func (o *outbox) all() []sentMsg {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.sent)
}

// clock is a settable time for the response tracker.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sieveEnv is a server whose StoreDelivery routes through a SieveRoute.
type sieveEnv struct {
	*env
	kv      store.KV
	scripts *sieve.Storage
	out     *outbox
	clock   *clock
	mode    smtp.Mode
	route   atomic.Pointer[smtp.SieveRoute]
}

// setupSieve starts a server in mode whose delivery runs Sieve scripts
// kept in one memory KV; configure adjusts the SieveRoute.
func setupSieve(t testing.TB, mode smtp.Mode, configure func(r *smtp.SieveRoute),
	opts func(o *smtp.Options)) *sieveEnv {
	t.Helper()
	se := &sieveEnv{kv: memory.New(), out: &outbox{}, mode: mode,
		clock: &clock{now: time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)}}
	se.scripts = sieve.NewStorage(se.kv, sieve.StorageOptions{})
	route := func(ctx context.Context, m *smtp.Message, account string,
		rcpts []*smtp.Recipient) ([]mailstore.Recipient, error) {
		return se.route.Load().Route(ctx, m, account, rcpts)
	}
	se.env = setupEnv(t, func(o *smtp.Options, e *env) {
		o.Mode = mode
		o.Delivery = &smtp.StoreDelivery{Store: e.store, Route: route}
		r := &smtp.SieveRoute{Store: e.store, Scripts: se.scripts,
			Tracker:  sieve.NewTracker(se.kv, sieve.TrackerOptions{Now: se.clock.Now}),
			Outgoing: se.out, Hostname: "mx.example.test"}
		if configure != nil {
			configure(r)
		}
		se.route.Store(r)
		if opts != nil {
			opts(o)
		}
	})
	return se
}

// activate stores and activates account's script.
func (se *sieveEnv) activate(t testing.TB, account, src string) {
	t.Helper()
	ctx := context.Background()
	if _, err := se.scripts.Put(ctx, account, "main", src); err != nil {
		t.Fatalf("Put script: %v", err)
	}
	if err := se.scripts.Activate(ctx, account, "main"); err != nil {
		t.Fatalf("Activate: %v", err)
	}
}

// deliver sends msg from sender to rcpts over SMTP or LMTP and returns
// the final replies (one per recipient in LMTP).
func (se *sieveEnv) deliver(t *testing.T, sender string, rcpts []string,
	msg string) []string {
	t.Helper()
	c := dialGreeted(t, se.addr)
	if se.mode == smtp.ModeLMTP {
		c.cmd("LHLO client.example.com", 250)
	} else {
		c.hello()
	}
	c.cmd("MAIL FROM:<"+sender+">", 250)
	for _, r := range rcpts {
		c.cmd("RCPT TO:<"+r+">", 250)
	}
	c.cmd("DATA", 354)
	c.send(msg + ".\r\n")
	n := 1
	if se.mode == smtp.ModeLMTP {
		n = len(rcpts)
	}
	var out []string
	for range n {
		code, text := c.reply()
		out = append(out, fmt.Sprintf("%d %s", code, text))
	}
	c.cmd("QUIT", 221)
	return out
}

func setupLMTP(t *testing.T, configure func(r *smtp.SieveRoute)) *sieveEnv {
	t.Helper()
	return setupSieve(t, smtp.ModeLMTP, configure, nil)
}

// box returns the entries of an account's mailbox by name; none when
// the mailbox does not exist.
func (se *sieveEnv) box(t *testing.T, account, name string) []mailstore.Entry {
	t.Helper()
	ctx := context.Background()
	mb, err := se.store.MailboxByName(ctx, account, name)
	if errors.Is(err, mailstore.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("MailboxByName(%s): %v", name, err)
	}
	entries, _, err := se.store.List(ctx, account, mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func msgFrom(from, subject, extra string) string {
	return "From: " + from + "\r\nTo: bob@example.test\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.com>\r\n" +
		extra + "\r\nHello.\r\n"
}

const bob = "bob@example.test"

// TestSieveFileintoCreate is case 029: the else branch's keep lands in the
// inbox and fileinto :create makes the mailbox, after a failed activation
// and again after a restart with a cold compiled-script cache.
func TestSieveFileintoCreate(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	ctx := context.Background()
	if err := se.scripts.Activate(ctx, bob, "main"); !errors.Is(err, sieve.ErrNoScript) {
		t.Fatalf("Activate(missing) = %v, want ErrNoScript", err)
	}
	se.activate(t, bob, `require ["fileinto", "mailbox"];
if header :contains "subject" "FILTER-ME" {
  fileinto :create "Sorted";
} else {
  keep;
}`)
	for round := range 2 {
		if round == 1 { // a restart: new storage, empty cache
			r := *se.route.Load()
			r.Scripts = sieve.NewStorage(se.kv, sieve.StorageOptions{})
			se.route.Store(&r)
		}
		for _, subj := range []string{"plain note", "FILTER-ME please"} {
			if got := se.deliver(t, "dana@example.com", []string{bob},
				msgFrom("dana@example.com", subj, "")); !strings.HasPrefix(got[0], "250") {
				t.Fatalf("deliver %q: %v", subj, got)
			}
		}
		if n := len(se.box(t, bob, "INBOX")); n != round+1 {
			t.Errorf("round %d: INBOX has %d, want %d", round, n, round+1)
		}
		if n := len(se.box(t, bob, "Sorted")); n != round+1 {
			t.Errorf("round %d: Sorted has %d, want %d", round, n, round+1)
		}
	}
}

// TestSieveFileintoMissing checks that fileinto without :create keeps the
// message when the mailbox is missing (RFC 5228 4.1, RFC 5490 3.2), and
// :copy files and keeps.
func TestSieveFileintoMissing(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["fileinto", "copy", "mailbox"];
if header :is "subject" "nowhere" { fileinto "Nowhere"; stop; }
fileinto :copy :create "Archive/2026";`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "nowhere", ""))
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "copy", ""))
	if se.box(t, bob, "Nowhere") != nil {
		t.Error("fileinto without :create made the mailbox")
	}
	if n := len(se.box(t, bob, "INBOX")); n != 2 {
		t.Errorf("INBOX has %d, want 2 (fallback keep and :copy)", n)
	}
	if n := len(se.box(t, bob, "Archive/2026")); n != 1 {
		t.Errorf("Archive/2026 has %d, want 1", n)
	}
}

// TestSieveSpecialUse files by special use (RFC 8579): the first message
// creates the named mailbox with the role, the next finds it by role.
func TestSieveSpecialUse(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["fileinto", "special-use", "mailbox"];
if specialuse_exists "\\Important" { fileinto :specialuse "\\Important" "Other"; }
else { fileinto :specialuse "\\Important" :create "Spam"; }`)
	for i := range 2 {
		se.deliver(t, "dana@example.com", []string{bob},
			msgFrom("dana@example.com", fmt.Sprint("spam ", i), ""))
	}
	ctx := context.Background()
	imp, err := se.store.MailboxByRole(ctx, bob, "important")
	if err != nil || imp.Name != "Spam" {
		t.Fatalf("important mailbox = %+v, %v, want Spam", imp, err)
	}
	if n := len(se.box(t, bob, "Spam")); n != 2 {
		t.Errorf("Spam has %d, want 2", n)
	}
	if se.box(t, bob, "Other") != nil {
		t.Error("Other created though a \\Junk mailbox exists")
	}
}

// TestSieveFlags is case 015: flags set by the script are stored once as
// keywords; removing one later sticks, and turning the script off
// changes nothing for stored mail.
func TestSieveFlags(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["imap4flags", "fileinto", "mailbox"];
if address :is :domain "from" "example.org" { setflag ["\\Flagged", "\\Seen"]; }
if header :is "subject" "all" {
  fileinto :create :flags ["\\Answered \\Draft", "\\Deleted", "$Label1", "\\Recent"] "Flags";
}`)
	se.deliver(t, "zack@example.org", []string{bob}, msgFrom("zack@example.org", "flag me", ""))
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "plain", ""))
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "all", ""))
	inbox := se.box(t, bob, "INBOX")
	if len(inbox) != 2 {
		t.Fatalf("INBOX has %d, want 2", len(inbox))
	}
	if got := strings.Join(inbox[0].Keywords, " "); got != "$flagged $seen" {
		t.Errorf("flagged message keywords = %q", got)
	}
	if len(inbox[1].Keywords) != 0 {
		t.Errorf("other sender's message keywords = %q, want none", inbox[1].Keywords)
	}
	flags := se.box(t, bob, "Flags")
	want := "$answered $deleted $draft $label1"
	if len(flags) != 1 || strings.Join(flags[0].Keywords, " ") != want {
		t.Errorf("Flags = %+v, want one message with %s", flags, want)
	}
	ctx := context.Background()
	mb, _ := se.store.MailboxByName(ctx, bob, "INBOX")
	_, _, err := se.store.Store(ctx, bob, mb.ID, []uint32{inbox[0].UID},
		mailstore.FlagsRemove, []string{"$seen"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := se.scripts.Activate(ctx, bob, ""); err != nil {
		t.Fatal(err)
	}
	se.deliver(t, "zack@example.org", []string{bob}, msgFrom("zack@example.org", "later", ""))
	inbox = se.box(t, bob, "INBOX")
	if got := strings.Join(inbox[0].Keywords, " "); got != "$flagged" {
		t.Errorf("after -FLAGS \\Seen keywords = %q, want $flagged", got)
	}
	if len(inbox) != 3 || len(inbox[2].Keywords) != 0 {
		t.Errorf("message after deactivation = %+v, want no keywords", inbox)
	}
}

// TestSieveDiscard drops the message for the account only.
func TestSieveDiscard(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `discard;`)
	got := se.deliver(t, "dana@example.com", []string{bob, "eli@example.test"},
		msgFrom("dana@example.com", "bye", ""))
	if !strings.HasPrefix(got[0], "250") {
		t.Fatalf("reply = %v", got)
	}
	if n := len(se.box(t, bob, "INBOX")); n != 0 {
		t.Errorf("bob's INBOX has %d, want 0", n)
	}
	if n := len(se.box(t, "eli@example.test", "INBOX")); n != 1 {
		t.Errorf("eli's INBOX has %d, want 1", n)
	}
}

// TestSieveReject refuses where the refusal reaches the sender and sends
// a notice where it cannot (RFC 5429).
func TestSieveReject(t *testing.T) {
	const script = "require \"reject\";\nreject text:\r\ngo away\r\nnow\r\n.\r\n;"
	t.Run("lmtp", func(t *testing.T) {
		se := setupLMTP(t, nil)
		se.activate(t, bob, script)
		got := se.deliver(t, "dana@example.com", []string{bob, "eli@example.test"},
			msgFrom("dana@example.com", "hello", ""))
		if got[0] != "550 5.7.1 go away now" || !strings.HasPrefix(got[1], "250") {
			t.Errorf("replies = %q", got)
		}
		if len(se.out.all()) != 0 {
			t.Errorf("a notice was sent besides the refusal: %v", se.out.all())
		}
	})
	t.Run("smtp-one-account", func(t *testing.T) {
		se := setupSieve(t, smtp.ModeInbound, nil, nil)
		se.activate(t, bob, `require "ereject"; ereject "no thanks";`)
		got := se.deliver(t, "dana@example.com", []string{bob, "robert@example.test"},
			msgFrom("dana@example.com", "hello", ""))
		if got[0] != "550 5.7.1 no thanks" {
			t.Errorf("reply = %q", got)
		}
	})
	for _, tc := range []struct {
		name, script, sender string
		notices              int
	}{
		{"smtp-shared-reject", script, "dana@example.com", 1},
		{"smtp-shared-ereject", `require "ereject"; ereject "go away";`, "dana@example.com", 1},
		{"smtp-shared-null-sender", script, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se := setupSieve(t, smtp.ModeInbound, nil, nil)
			se.activate(t, bob, tc.script)
			got := se.deliver(t, tc.sender, []string{bob, "eli@example.test"},
				msgFrom("dana@example.com", "hello", ""))
			if !strings.HasPrefix(got[0], "250") {
				t.Fatalf("reply = %q", got)
			}
			sent := se.out.all()
			if len(sent) != tc.notices {
				t.Fatalf("sent %d notices, want %d: %+v", len(sent), tc.notices, sent)
			}
			if tc.notices > 0 && (sent[0].from != "" || sent[0].rcpts[0] != tc.sender ||
				!strings.Contains(sent[0].data, "go away")) {
				t.Errorf("notice = %+v", sent[0])
			}
			if len(se.box(t, bob, "INBOX")) != 0 ||
				len(se.box(t, "eli@example.test", "INBOX")) != 1 {
				t.Error("the rejecting account got the message, or the other did not")
			}
		})
	}
}

// TestSieveVacation answers once per sender within :days, never lists or
// null senders, and again once the period is over (RFC 5230, RFC 3834).
func TestSieveVacation(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["vacation", "fcc", "imap4flags"];
vacation :days 2 :fcc "Sent" :flags "\\Seen" "I am away.";`)
	send := func(from, subject, extra string) {
		t.Helper()
		se.deliver(t, from, []string{bob}, msgFrom(orDefault(from), subject, extra))
	}
	send("dana@example.com", "one", "")
	send("dana@example.com", "two", "")
	send("fred@example.com", "three", "")
	send("news@example.com", "list", "List-Id: <news.example.com>\r\n")
	send("bulk@example.com", "bulk", "Precedence: bulk\r\n")
	send("", "bounce", "")
	sent := se.out.all()
	if len(sent) != 2 {
		t.Fatalf("sent %d replies, want 2: %+v", len(sent), sent)
	}
	if sent[0].rcpts[0] != "dana@example.com" || sent[0].from != "" ||
		!strings.Contains(sent[0].data, "I am away.") ||
		!strings.Contains(sent[0].data, "Auto-Submitted: auto-replied") {
		t.Errorf("reply = %+v", sent[0])
	}
	if sent[1].rcpts[0] != "fred@example.com" {
		t.Errorf("second reply to %v, want fred", sent[1].rcpts)
	}
	se.clock.add(49 * time.Hour)
	send("dana@example.com", "four", "")
	if n := len(se.out.all()); n != 3 {
		t.Errorf("after the period: %d replies, want 3", n)
	}
	if n := len(se.box(t, bob, "INBOX")); n != 7 {
		t.Errorf("INBOX has %d, want all 7 kept", n)
	}
	sentBox := se.box(t, bob, "Sent")
	if len(sentBox) != 3 || !slices.Equal(sentBox[0].Keywords, []string{"$seen"}) {
		t.Errorf("Sent = %+v, want the 3 replies, seen (RFC 8580 :fcc)", sentBox)
	}
}

func orDefault(from string) string {
	if from == "" {
		return "mailer-daemon@example.com"
	}
	return from
}

// TestSieveRedirect hands the message to the Outgoing sender with its
// original body; without a sender the message is kept, not lost.
func TestSieveRedirect(t *testing.T) {
	const script = `redirect "carol@elsewhere.example";`
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, script)
	se.deliver(t, "dana@example.com", []string{bob},
		msgFrom("dana@example.com", "fwd", "")+"Second line.\r\n")
	sent := se.out.all()
	if len(sent) != 1 || sent[0].from != "dana@example.com" ||
		!slices.Equal(sent[0].rcpts, []string{"carol@elsewhere.example"}) {
		t.Fatalf("sent = %+v", sent)
	}
	d := sent[0].data
	if !strings.Contains(d, "X-Sieve-Redirected-From: bob@example.test\r\n") ||
		!strings.Contains(d, "Received: ") ||
		!strings.HasSuffix(d, "\r\n\r\nHello.\r\nSecond line.\r\n") {
		t.Errorf("redirected message = %q", d)
	}
	if n := len(se.box(t, bob, "INBOX")); n != 0 {
		t.Errorf("INBOX has %d, want 0", n)
	}

	for _, name := range []string{"no-sender", "sender-fails"} {
		t.Run(name, func(t *testing.T) {
			se := setupSieve(t, smtp.ModeInbound, func(r *smtp.SieveRoute) {
				if name == "no-sender" {
					r.Outgoing = nil
				}
			}, nil)
			se.out.fail = true
			se.activate(t, bob, script)
			se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "x", ""))
			if n := len(se.box(t, bob, "INBOX")); n != 1 {
				t.Errorf("INBOX has %d, want the message kept", n)
			}
		})
	}
}

// TestSieveRuntimeError keeps the message, and nothing else, when the
// script fails at run time (RFC 5228 section 2.10.6), and when the
// stored script no longer compiles.
func TestSieveRuntimeError(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["fileinto", "mailbox", "ihave"];
fileinto :create "Before"; error "boom";`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "x", ""))
	if n := len(se.box(t, bob, "INBOX")); n != 1 {
		t.Errorf("INBOX has %d, want 1", n)
	}
	if se.box(t, bob, "Before") != nil {
		t.Error("an action before the error was carried out")
	}
	r := *se.route.Load()
	r.Scripts = sieve.NewStorage(se.kv, sieve.StorageOptions{
		Compile: &sieve.Options{Disabled: []string{"fileinto"}}})
	se.route.Store(&r)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "y", ""))
	if n := len(se.box(t, bob, "INBOX")); n != 2 {
		t.Errorf("INBOX has %d after a compile failure, want 2", n)
	}
}

// TestSieveNoScript delivers to the inbox, or to Junk when quarantined.
func TestSieveNoScript(t *testing.T) {
	var quarantine atomic.Bool
	se := setupSieve(t, smtp.ModeInbound, nil, func(o *smtp.Options) {
		o.Hooks.Message = func(ctx context.Context, m *smtp.Message) error {
			m.Envelope.Quarantine = quarantine.Load()
			return nil
		}
	})
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "x", ""))
	quarantine.Store(true)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "y", ""))
	se.activate(t, bob, `require "imap4flags"; addflag "\\Seen";`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "z", ""))
	if n := len(se.box(t, bob, "INBOX")); n != 1 {
		t.Errorf("INBOX has %d, want 1", n)
	}
	junk := se.box(t, bob, "Junk")
	if len(junk) != 2 || len(junk[0].Keywords) != 0 ||
		!slices.Equal(junk[1].Keywords, []string{"$seen"}) {
		t.Errorf("Junk = %+v, want 2 (the script's keep with $seen)", junk)
	}
}

// TestSieveEnvelope runs tests on the envelope, subaddress and
// environment, and the store-backed duplicate test.
func TestSieveEnvelope(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["envelope", "subaddress", "environment", "fileinto",
  "mailbox", "duplicate"];
if envelope :detail "to" "lists" { fileinto :create "Lists"; stop; }
if duplicate { discard; stop; }
if allof (environment "remote-ip" "127.0.0.1", environment "phase" "during",
    environment "host" "mx.example.test", envelope :domain "from" "example.com") {
  fileinto :create "Local";
}`)
	se.deliver(t, "dana@example.com", []string{"bob+lists@example.test"},
		msgFrom("dana@example.com", "list", ""))
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "dup", ""))
	r := *se.route.Load() // a restart: the duplicate records are in the store
	r.Tracker = sieve.NewTracker(se.kv, sieve.TrackerOptions{Now: se.clock.Now})
	se.route.Store(&r)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "dup", ""))
	if n := len(se.box(t, bob, "Lists")); n != 1 {
		t.Errorf("Lists has %d, want 1", n)
	}
	if n := len(se.box(t, bob, "Local")); n != 1 {
		t.Errorf("Local has %d, want 1 (the duplicate discarded)", n)
	}
}

// TestSieveMaxHeaderSize crosses the header limit: fields past it are
// not seen by the script, and the message is still delivered whole.
func TestSieveMaxHeaderSize(t *testing.T) {
	const script = `if header :contains "x-late" "yes" { discard; }`
	pad := "X-Pad: " + strings.Repeat("p", 300) + "\r\n"
	msg := msgFrom("dana@example.com", "late", pad+"X-Late: yes\r\n")
	for _, tc := range []struct {
		limit int
		kept  int
	}{{0, 0}, {200, 1}} {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			se := setupSieve(t, smtp.ModeInbound,
				func(r *smtp.SieveRoute) { r.MaxHeaderSize = tc.limit }, nil)
			se.activate(t, bob, script)
			se.deliver(t, "dana@example.com", []string{bob}, msg)
			if n := len(se.box(t, bob, "INBOX")); n != tc.kept {
				t.Errorf("INBOX has %d, want %d", n, tc.kept)
			}
		})
	}
}

// TestSieveInclude runs a personal script included by the active one
// (RFC 6609), loaded from the same storage.
func TestSieveInclude(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	if _, err := se.scripts.Put(context.Background(), bob, "common",
		`require ["fileinto", "mailbox"]; fileinto :create "Common";`); err != nil {
		t.Fatal(err)
	}
	se.activate(t, bob, `require "include"; include :personal "common";`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "inc", ""))
	if n := len(se.box(t, bob, "Common")); n != 1 {
		t.Errorf("Common has %d, want 1", n)
	}
}

// TestSieveEditHeader stores each copy as it was when filed: the copy
// filed before addheader is the original, the kept one has the field.
func TestSieveEditHeader(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require ["editheader", "fileinto", "mailbox"];
fileinto :create "Orig"; addheader "X-Tag" "tagged"; keep;`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "edit", ""))
	read := func(name string) string {
		t.Helper()
		es := se.box(t, bob, name)
		if len(es) != 1 {
			t.Fatalf("%s has %d, want 1", name, len(es))
		}
		rc, err := se.store.Open(context.Background(), bob, es[0].EmailID, 0, -1)
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
	inbox, orig := read("INBOX"), read("Orig")
	if !strings.HasPrefix(inbox, "Return-Path: <dana@example.com>\r\nX-Tag: tagged\r\n") ||
		!strings.HasSuffix(inbox, "\r\n\r\nHello.\r\n") {
		t.Errorf("kept copy = %q", inbox)
	}
	if strings.Contains(orig, "X-Tag") || !strings.HasSuffix(orig, "\r\n\r\nHello.\r\n") {
		t.Errorf("copy filed before the edit = %q", orig)
	}
}

// TestSieveNotify hands an RFC 5436 mailto notification to Outgoing.
func TestSieveNotify(t *testing.T) {
	se := setupSieve(t, smtp.ModeInbound, nil, nil)
	se.activate(t, bob, `require "enotify";
notify :message "new mail" "mailto:pager@example.test";`)
	se.deliver(t, "dana@example.com", []string{bob}, msgFrom("dana@example.com", "ping", ""))
	sent := se.out.all()
	if len(sent) != 1 || !slices.Equal(sent[0].rcpts, []string{"pager@example.test"}) ||
		!strings.Contains(sent[0].data, "new mail") {
		t.Errorf("sent = %+v", sent)
	}
	if n := len(se.box(t, bob, "INBOX")); n != 1 {
		t.Errorf("INBOX has %d, want 1", n)
	}
}

// BenchmarkSieveDelivery delivers a 10 KB message over SMTP through a
// 50-rule script that files it; the script run is a small part of it.
func BenchmarkSieveDelivery(b *testing.B) {
	se := setupSieve(b, smtp.ModeInbound, nil, nil)
	var src strings.Builder
	src.WriteString(`require ["fileinto", "mailbox", "imap4flags"];` + "\n")
	for i := range 50 {
		fmt.Fprintf(&src, "if header :contains \"subject\" \"rule%d\" "+
			"{ addflag \"$r%d\"; fileinto :create \"R%d\"; stop; }\n", i, i, i)
	}
	se.activate(b, bob, src.String())
	msg := msgFrom("dana@example.com", "rule49", "") + strings.Repeat("0123456789abcdef\r\n", 560)
	c, err := gosmtp.Dial(se.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.SendMail("dana@example.com", []string{bob},
			strings.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}

// An inbound server whose local deliveries run the accounts' Sieve
// scripts. The scripts live in a KV that a ManageSieve server
// (sieve/managesieve) shares through the same *sieve.Storage; the queue
// sends redirects and vacation replies.
func ExampleSieveRoute() {
	ctx := context.Background()
	dir, err := local.New(ctx, memory.New(), local.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ms, err := mailstore.New(ctx, mailstore.Options{KV: memory.New(), Blobs: memory.NewBlobs()})
	if err != nil {
		log.Fatal(err)
	}
	kv := memory.New() // in production the server's shared store
	scripts := sieve.NewStorage(kv, sieve.StorageOptions{})
	var queue smtp.Relay // the outbound queue; nil logs and drops
	route := &smtp.SieveRoute{
		Store:    ms,
		Scripts:  scripts, // also managesieve.Options.Storage
		Tracker:  sieve.NewTracker(kv, sieve.TrackerOptions{}),
		Outgoing: queue,
		Hostname: "mx.example.org",
	}
	srv, err := smtp.New(smtp.Options{
		Mode:      smtp.ModeLMTP,
		Hostname:  "mx.example.org",
		Directory: dir,
		Delivery:  &smtp.StoreDelivery{Store: ms, Route: route.Route},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = srv // srv.Serve(listener) until srv.Shutdown(ctx)
	fmt.Println("ready")
	// Output: ready
}
