package mailtest_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailtest"
	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp/client"
)

// start is the clock's reading when a queue test begins.
var start = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// newQueueServer starts a server with the queue on a clock at start,
// the account alice@example.test and a remote host for remote.test.
func newQueueServer(t *testing.T, o mailtest.QueueOptions) (*mailtest.Server,
	*mailtest.RemoteMX) {
	t.Helper()
	o.Clock = mailtest.NewClock(start)
	srv := mailtest.NewServerWith(t, mailtest.Options{Queue: &o})
	if err := srv.AddAccount("alice@example.test", "secret"); err != nil {
		t.Fatal(err)
	}
	mx, err := srv.AddRemoteMX("remote.test")
	if err != nil {
		t.Fatal(err)
	}
	return srv, mx
}

// submit sends a message from alice on the submission port.
func submit(t *testing.T, srv *mailtest.Server, subject string, to ...string) {
	t.Helper()
	c := dialGoSMTP(t, srv.SubmissionAddr(), "alice@example.test")
	sendGoSMTP(t, c, "alice@example.test", to,
		simpleMessage("alice@example.test", strings.Join(to, ", "), subject))
}

// codes lists the reply codes of every attempt, one recipient each.
func codes(as []mailtest.Attempt) []int {
	var out []int
	for _, a := range as {
		for i := range a.Recipients {
			out = append(out, a.Code(i))
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQueueGreylisting(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{})
	mx.Reply(mailtest.StageRcpt, 1, 451, "Greylisted, come back later")
	submit(t, srv, "greylisted", "bob@remote.test")

	first := srv.WaitAttempt(t, wait)
	if first.Code(0) != 451 || first.Domain != "remote.test" || !first.At.Equal(start) {
		t.Fatalf("first attempt = %+v (code %d), want 451 at %v", first, first.Code(0), start)
	}
	srv.WaitQueue(t, wait)
	if n := len(mx.Messages()); n != 0 {
		t.Fatalf("remote host got %d messages before the retry", n)
	}
	// The outbound record is there at once, as without the queue.
	if out := srv.Outbound(); len(out) != 1 || out[0].Subject() != "greylisted" {
		t.Fatalf("Outbound = %v", out)
	}

	srv.Clock().Advance(time.Minute) // not yet due: the first step is 2m
	srv.WaitQueue(t, wait)
	if n := len(srv.Attempts()); n != 1 {
		t.Fatalf("%d attempts one minute in, want 1", n)
	}
	srv.Clock().Advance(time.Minute)
	msg := mx.WaitMessage(t, wait)
	if msg.Subject() != "greylisted" || msg.Envelope.From != "alice@example.test" ||
		msg.Envelope.To[0] != "bob@remote.test" {
		t.Errorf("delivered %q from %q to %v", msg.Subject(), msg.Envelope.From,
			msg.Envelope.To)
	}
	second := srv.WaitAttempt(t, wait)
	if second.Code(0) != 250 || !second.At.Equal(start.Add(2*time.Minute)) {
		t.Errorf("second attempt: code %d at %v", second.Code(0), second.At)
	}
	srv.WaitQueue(t, wait)
	if left, err := srv.Queue().List(context.Background(), 0); err != nil || len(left) != 0 {
		t.Errorf("queue after delivery: %d messages, %v", len(left), err)
	}
	if n := len(srv.Messages("alice@example.test")); n != 0 {
		t.Errorf("sender got %d notifications for a delivered message", n)
	}
}

func TestQueueBounce(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{})
	mx.Reply(mailtest.StageRcpt, -1, 550, "No such user here")
	submit(t, srv, "bounced", "bob@remote.test")

	dsn := srv.WaitMessage(t, "alice@example.test", wait)
	if dsn.Envelope.From != "" {
		t.Errorf("notification from <%s>, want the null reverse-path", dsn.Envelope.From)
	}
	ct := dsn.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/report") || !strings.Contains(ct, "delivery-status") {
		t.Errorf("notification Content-Type = %q", ct)
	}
	raw := string(dsn.Raw())
	for _, want := range []string{"Action: failed", "Status: 5.0.0", "bob@remote.test",
		"No such user here", "Subject: bounced"} {
		if !strings.Contains(raw, want) {
			t.Errorf("notification lacks %q", want)
		}
	}
	if got := codes(srv.Attempts()); !equalInts(got, []int{550}) {
		t.Errorf("attempt codes = %v, want [550]", got)
	}
	if n := len(mx.Messages()); n != 0 {
		t.Errorf("remote host kept %d messages", n)
	}
}

// Walking the whole retry schedule to expiry takes milliseconds.
func TestQueueExpiry(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{})
	mx.Reply(mailtest.StageRcpt, -1, 451, "Try again later")
	submit(t, srv, "never", "bob@remote.test")

	began := time.Now()
	steps := 0
	for srv.StepQueue(t, wait) {
		if steps++; steps > 200 {
			t.Fatal("queue still busy after 200 steps")
		}
	}
	attempts := srv.Attempts()
	// 2m, 5m, 10m, 15m, 30m, 1h, then every 2h up to 5 days.
	if n := len(attempts); n < 60 || n > 70 {
		t.Errorf("%d attempts over 5 days, want about 64", n)
	}
	last := attempts[len(attempts)-1]
	if want := start.Add(5 * 24 * time.Hour); !last.At.Equal(want) {
		t.Errorf("last attempt at %v, want the expiry %v", last.At, want)
	}
	delay := srv.WaitMessage(t, "alice@example.test", wait)
	if raw := string(delay.Raw()); !strings.Contains(raw, "Action: delayed") {
		t.Errorf("first notification is not a delay warning:\n%s", raw)
	}
	failed := srv.WaitMessage(t, "alice@example.test", wait)
	raw := string(failed.Raw())
	if !strings.Contains(raw, "Action: failed") || !strings.Contains(raw, "Try again later") {
		t.Errorf("expiry notification:\n%s", raw)
	}
	t.Logf("%d attempts over 5 days of clock in %v", len(attempts), time.Since(began))
}

func TestQueueBrokenTLS(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{Backoff: []time.Duration{time.Hour}})
	mx.BreakTLS(true)
	submit(t, srv, "tls", "bob@remote.test")
	first := srv.WaitAttempt(t, wait)
	var ce *client.Error
	if !errors.As(first.Errors[0], &ce) || !ce.Temporary() ||
		!strings.Contains(first.Errors[0].Error(), "tls") {
		t.Fatalf("attempt over a broken handshake = %v, want a temporary TLS failure",
			first.Errors[0])
	}
	srv.WaitQueue(t, wait)
	mx.BreakTLS(false)
	srv.Clock().Advance(time.Hour)
	if msg := mx.WaitMessage(t, wait); msg.Subject() != "tls" {
		t.Errorf("delivered %q", msg.Subject())
	}
}

// Server.FailRecipient answers on the server's own ports in both modes;
// RemoteMX.FailRecipient makes one recipient fail at the remote host.
func TestQueueFailRecipient(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{})
	srv.FailRecipient("carol@remote.test", 550, "Blocked by policy")
	mx.FailRecipient("dan@remote.test", -1, 550, "Mailbox disabled")
	mx.FailRecipient("erin@remote.test", 1, 452, "Over quota")

	c := dialGoSMTP(t, srv.SubmissionAddr(), "alice@example.test")
	if err := c.Mail("alice@example.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("carol@remote.test", nil); err == nil ||
		!strings.Contains(err.Error(), "550") {
		t.Errorf("RCPT carol = %v, want 550", err)
	}
	for _, r := range []string{"bob@remote.test", "dan@remote.test", "erin@remote.test"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("RCPT %s: %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(simpleMessage("alice@example.test", "team@remote.test", "mixed")))
	if err := w.Close(); err != nil {
		t.Fatalf("end of data: %v", err)
	}

	srv.WaitQueue(t, wait)
	first := srv.WaitAttempt(t, wait)
	if got := strings.Join(first.Recipients, ","); got !=
		"bob@remote.test,dan@remote.test,erin@remote.test" {
		t.Errorf("first attempt to %s", got)
	}
	if got := codes([]mailtest.Attempt{first}); !equalInts(got, []int{250, 550, 452}) {
		t.Errorf("first attempt codes = %v, want [250 550 452]", got)
	}
	dsn := srv.WaitMessage(t, "alice@example.test", wait)
	if raw := string(dsn.Raw()); !strings.Contains(raw, "dan@remote.test") ||
		strings.Contains(raw, "Final-Recipient: rfc822;bob@remote.test") {
		t.Errorf("notification names the wrong recipients:\n%s", raw)
	}
	if !srv.StepQueue(t, wait) {
		t.Fatal("queue empty before erin's retry")
	}
	retry := srv.WaitAttempt(t, wait)
	if len(retry.Recipients) != 1 || retry.Recipients[0] != "erin@remote.test" ||
		retry.Code(0) != 250 {
		t.Errorf("retry = %v codes %v", retry.Recipients, codes([]mailtest.Attempt{retry}))
	}
	var to []string
	for _, m := range mx.Messages() {
		to = append(to, m.Envelope.To...)
	}
	if got := strings.Join(to, ","); got != "bob@remote.test,erin@remote.test" {
		t.Errorf("remote host got mail for %s", got)
	}
}

// The queue reaches loopback only, whatever the fake DNS says, and a
// domain without a host is retried like any unreachable one.
func TestQueueUnreachable(t *testing.T) {
	srv, _ := newQueueServer(t, mailtest.QueueOptions{})
	srv.DNS().AddMX("far.test", "mx.far.test", 10)
	srv.DNS().AddA("mx.far.test", netip.MustParseAddr("192.0.2.1"))
	submit(t, srv, "far", "bob@far.test", "bob@nowhere.test")
	srv.WaitQueue(t, wait)
	as := srv.Attempts()
	if len(as) != 2 {
		t.Fatalf("%d attempts, want one per domain", len(as))
	}
	for _, a := range as {
		var ce *client.Error
		if !errors.As(a.Errors[0], &ce) || !ce.Temporary() {
			t.Errorf("attempt to %s = %v, want a temporary failure", a.Domain, a.Errors[0])
		}
	}
	msgs, err := srv.Queue().List(context.Background(), 0)
	if err != nil || len(msgs) != 1 || msgs[0].Recipients[0].State != queue.Queued {
		t.Errorf("queue holds %v (%v), want the message waiting", msgs, err)
	}
}

// Without Options.Queue nothing is sent and the queue helpers say so.
func TestNoQueue(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	mx, err := srv.AddRemoteMX("remote.test")
	if err != nil {
		t.Fatal(err)
	}
	submit(t, srv, "captured", "bob@remote.test")
	if out := srv.WaitOutbound(t, wait); out.Subject() != "captured" {
		t.Errorf("captured %q", out.Subject())
	}
	if srv.Queue() != nil || srv.Clock() != nil || srv.Attempts() != nil {
		t.Error("a server without the queue reports one")
	}
	if err := srv.SettleQueue(context.Background()); err == nil {
		t.Error("SettleQueue without a queue succeeded")
	}
	if _, err := srv.NextAttempt(context.Background()); err == nil {
		t.Error("NextAttempt without a queue succeeded")
	}
	if n := len(mx.Messages()); n != 0 {
		t.Errorf("remote host got %d messages without the queue", n)
	}
}

// The waits fail the test, not hang, when nothing comes.
func TestQueueWaitTimeout(t *testing.T) {
	srv, _ := newQueueServer(t, mailtest.QueueOptions{})
	ft := &fakeTB{TB: t}
	srv.WaitAttempt(ft, 20*time.Millisecond)
	if len(ft.messages()) != 1 {
		t.Errorf("WaitAttempt on no attempt reported %v", ft.messages())
	}
	if srv.StepQueue(t, wait) {
		t.Error("StepQueue on an empty queue reported more work")
	}
	if !srv.Clock().Now().Equal(start) {
		t.Errorf("StepQueue on an empty queue moved the clock to %v", srv.Clock().Now())
	}
}

// The queue's client applies the MTA-STS policies a test publishes.
func TestQueueMTASTS(t *testing.T) {
	srv, mx := newQueueServer(t, mailtest.QueueOptions{Backoff: []time.Duration{time.Hour}})
	if err := srv.PublishMTASTS("remote.test", "enforce", 24*time.Hour,
		"mx.elsewhere.test"); err != nil {
		t.Fatal(err)
	}
	submit(t, srv, "sts", "bob@remote.test")
	first := srv.WaitAttempt(t, wait)
	if first.Code(0) != 451 || !strings.Contains(first.Errors[0].Error(), "MTA-STS") {
		t.Fatalf("attempt to a host outside the enforced policy = %v, want 451 by MTA-STS",
			first.Errors[0])
	}
	srv.WaitQueue(t, wait)
	if err := srv.PublishMTASTS("remote.test", "enforce", 24*time.Hour,
		"mx.remote.test"); err != nil {
		t.Fatal(err)
	}
	srv.Clock().Advance(time.Hour)
	if msg := mx.WaitMessage(t, wait); msg.Subject() != "sts" {
		t.Errorf("delivered %q", msg.Subject())
	}
}

// A local recipient over quota while another took the message is handed
// to the queue, which retries it and delivers once there is room.
func TestQueueLocalRetry(t *testing.T) {
	srv, _ := newQueueServer(t, mailtest.QueueOptions{})
	if err := srv.AddAccount("carol@example.test", "secret"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.Store().SetQuota(ctx, "carol@example.test", 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := srv.Put(ctx, "carol@example.test", "INBOX",
		strings.NewReader(simpleMessage("x@example.org", "carol@example.test", "filler"))); err != nil {
		t.Fatal(err)
	}
	c := dialGoSMTP(t, srv.SMTPAddr(), "")
	sendGoSMTP(t, c, "app@example.org", []string{"alice@example.test", "carol@example.test"},
		simpleMessage("app@example.org", "alice@example.test, carol@example.test", "both"))
	srv.WaitMessage(t, "alice@example.test", wait)
	srv.WaitQueue(t, wait)
	if n := len(srv.Messages("carol@example.test")); n != 0 {
		t.Fatalf("carol got %d messages over quota", n)
	}
	if err := srv.Store().SetQuota(ctx, "carol@example.test", 0, 0); err != nil {
		t.Fatal(err)
	}
	if !srv.StepQueue(t, wait) {
		t.Fatal("carol's copy is not queued")
	}
	if msg := srv.WaitMessage(t, "carol@example.test", wait); msg.Subject() != "both" ||
		msg.Envelope.From != "app@example.org" {
		t.Errorf("carol got %q from %q", msg.Subject(), msg.Envelope.From)
	}
	if n := len(srv.Attempts()); n != 0 {
		t.Errorf("%d remote attempts for local mail", n)
	}
}

func TestQueueOptionsInvalid(t *testing.T) {
	_, err := mailtest.Start(mailtest.Options{Queue: &mailtest.QueueOptions{
		Backoff: []time.Duration{time.Minute, 0}}})
	if err == nil || !strings.Contains(err.Error(), "backoff") {
		t.Errorf("Start with a zero backoff step = %v, want an error", err)
	}
}
