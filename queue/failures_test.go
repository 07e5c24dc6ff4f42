package queue

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailenv"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
	gosmtp "github.com/emersion/go-smtp"
)

// The queue is the SMTP server's Relay, with every optional ability.
var (
	_ smtp.Relay         = (*Queue)(nil)
	_ smtp.EnvelopeRelay = (*Queue)(nil)
	_ smtp.FailureRelay  = (*Queue)(nil)
)

// TestPartialDeliveryOverSMTP runs case 5.1 end to end: an inbound SMTP
// server whose Relay is the queue gets one message for three local
// recipients. hal gets it; ida is over quota (temporary) and gets it
// from the queue once she has room; joe is refused for good and fay,
// the sender, gets a notification about joe only. The client sees one
// 250 and nobody gets the message twice.
func TestPartialDeliveryOverSMTP(t *testing.T) {
	ctx := context.Background()
	dir, ms := localSetup(t)
	for _, name := range []string{"hal@example.com", "ida@example.com", "joe@example.com"} {
		p := directory.Principal{Name: name, Emails: []string{name}, Roles: []string{"user"}}
		if err := dir.CreatePrincipal(ctx, p, "secret"); err != nil {
			t.Fatal(err)
		}
		if err := ms.CreateAccount(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := ms.SetQuota(ctx, "ida@example.com", 10, 0); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{Local: &MailstoreDelivery{Store: ms, Directory: dir}})
	route := func(ctx context.Context, m *smtp.Message, account string,
		rcpts []*smtp.Recipient) ([]mailstore.Recipient, error) {
		if account == "joe@example.com" {
			return nil, smtp.Reject(550, smtp.EnhancedCode{5, 2, 1}, "Mailbox disabled")
		}
		return []mailstore.Recipient{{}}, nil
	}
	addr := startSMTP(t, smtp.Options{Hostname: "mx.example.com", Directory: dir,
		Delivery: &smtp.StoreDelivery{Store: ms, Route: route}, Relay: e.q})

	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.SendMail("fay@example.com",
		[]string{"hal@example.com", "ida@example.com", "joe@example.com"},
		testMessage("partial"))
	if err != nil {
		t.Fatalf("SendMail = %v, want 250", err)
	}
	c.Quit()

	if n := len(inboxOf(t, ms, "hal@example.com")); n != 1 {
		t.Fatalf("hal has %d messages, want 1", n)
	}
	waitFor(t, "notification to fay", func() bool {
		return len(inboxOf(t, ms, "fay@example.com")) == 1
	})
	d := parseDSN(t, []byte(inboxOf(t, ms, "fay@example.com")[0]))
	if len(d.recipients) != 1 || field(d.recipients[0], "Final-Recipient") !=
		"rfc822; joe@example.com" || field(d.recipients[0], "Status") != "5.2.1" ||
		field(d.recipients[0], "Action") != "failed" {
		t.Errorf("notification recipients %v, want joe failed with 5.2.1", d.recipients)
	}
	var list []*Message
	waitFor(t, "notification sent", func() bool {
		list, err = e.q.List(ctx, 10)
		return err == nil && len(list) == 1
	})
	if len(list[0].Recipients) != 2 ||
		list[0].Recipients[0].State != Queued || list[0].Recipients[1].State != Failed {
		t.Fatalf("queued recipients %+v, want ida queued and joe failed",
			list[0].Recipients)
	}

	// ida makes room; the retry is due after the first backoff step.
	if err := ms.SetQuota(ctx, "ida@example.com", 0, 0); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(DefaultBackoff[0])
	e.q.Wake()
	waitFor(t, "retry to ida", func() bool { return len(inboxOf(t, ms, "ida@example.com")) == 1 })
	got := inboxOf(t, ms, "ida@example.com")[0]
	if !strings.HasPrefix(got, "Return-Path: <fay@example.com>\r\nReceived: from ") ||
		subjectOf([]byte(got)) != "partial" {
		t.Errorf("ida's copy starts %q", got[:min(len(got), 80)])
	}
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	for acct, want := range map[string]int{"hal@example.com": 1, "joe@example.com": 0,
		"fay@example.com": 1} {
		if n := len(inboxOf(t, ms, acct)); n != want {
			t.Errorf("%s has %d messages, want %d", acct, n, want)
		}
	}
}

// TestEnqueueFailuresNotify checks that permanent failures are reported
// as NOTIFY asks (RFC 3461, section 4.1) and never to the null
// reverse-path (section 6.2), and that nothing is left queued when
// every failure is permanent.
func TestEnqueueFailuresNotify(t *testing.T) {
	gone := func(addr string, notify ...string) mailenv.Failure {
		return mailenv.Failure{Recipient: &mailenv.Recipient{Address: addr, Notify: notify},
			Code: 550, Status: "5.1.1", Text: "No such user"}
	}
	tests := []struct {
		name   string
		from   string
		failed []mailenv.Failure
		want   []string // Final-Recipient of the notification; nil for none
	}{
		{"default notify", "fay@example.com",
			[]mailenv.Failure{gone("a@example.com"), gone("b@example.com")},
			[]string{"rfc822; a@example.com", "rfc822; b@example.com"}},
		{"notify never", "fay@example.com",
			[]mailenv.Failure{gone("a@example.com", "NEVER"), gone("b@example.com", "FAILURE")},
			[]string{"rfc822; b@example.com"}},
		{"success only", "fay@example.com",
			[]mailenv.Failure{gone("a@example.com", "SUCCESS")}, nil},
		{"null sender", "", []mailenv.Failure{gone("a@example.com")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			env := &mailenv.Envelope{ReversePath: tt.from, Ret: "HDRS", EnvID: "env-1"}
			err := e.q.EnqueueFailures(context.Background(), env, tt.failed,
				testMessage("failed"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if !queueEmpty(e.q) {
					t.Error("queue not empty without a notification")
				}
				time.Sleep(50 * time.Millisecond)
				if got := e.local.got(); len(got) != 0 {
					t.Errorf("notified %v, want nothing", got[0].rcpts)
				}
				return
			}
			waitFor(t, "notification", func() bool { return len(e.local.got()) == 1 })
			n := e.local.got()[0]
			if n.from != "" || len(n.rcpts) != 1 || n.rcpts[0] != tt.from {
				t.Fatalf("notification from %q to %v", n.from, n.rcpts)
			}
			d := parseDSN(t, n.data)
			var finals []string
			for _, r := range d.recipients {
				finals = append(finals, field(r, "Final-Recipient"))
			}
			if strings.Join(finals, "|") != strings.Join(tt.want, "|") ||
				field(d.perMessage, "Original-Envelope-Id") != "env-1" {
				t.Errorf("notification about %q (envid %q), want %q", finals,
					field(d.perMessage, "Original-Envelope-Id"), tt.want)
			}
			waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
		})
	}
}

// TestMailstoreDeliveryPostmaster checks that postmaster at a local
// domain reaches MailstoreDelivery.Postmaster (RFC 5321, section 4.5.1)
// and that stored copies start with Return-Path.
func TestMailstoreDeliveryPostmaster(t *testing.T) {
	dir, ms := localSetup(t)
	ctx := context.Background()
	ld := &MailstoreDelivery{Store: ms, Directory: dir}
	res, err := ld.DeliverLocal(ctx, "", []string{"PostMaster@example.com"},
		testMessage("before"))
	if err != nil || len(res) != 1 || res[0] == nil {
		t.Fatalf("without Postmaster: DeliverLocal = %v, %v, want a failure", res, err)
	}
	ld.Postmaster = "fay@example.com"
	res, err = ld.DeliverLocal(ctx, "", []string{"PostMaster@example.com",
		"postmaster@example.org"}, testMessage("to postmaster"))
	if err != nil || res[0] != nil || res[1] == nil {
		t.Fatalf("DeliverLocal = %v, %v, want delivered and not local", res, err)
	}
	got := inboxOf(t, ms, "fay@example.com")
	if len(got) != 1 || !strings.HasPrefix(got[0], "Return-Path: <>\r\nFrom: ") {
		t.Errorf("fay's inbox = %q, want the message with Return-Path: <>", got)
	}
}

// startSMTP serves an SMTP server on loopback until the test ends.
func startSMTP(t *testing.T, o smtp.Options) string {
	t.Helper()
	o.TempDir = t.TempDir()
	srv, err := smtp.New(o)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String()
}

// inboxOf returns the raw messages in account's inbox.
func inboxOf(t *testing.T, ms *mailstore.Store, account string) []string {
	t.Helper()
	ctx := context.Background()
	box, err := ms.MailboxByName(ctx, account, "INBOX")
	if err != nil {
		t.Fatalf("MailboxByName(%s): %v", account, err)
	}
	entries, _, err := ms.List(ctx, account, box.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		rc, err := ms.Open(ctx, account, en.EmailID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}
