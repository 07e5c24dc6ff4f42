package mailtest_test

import (
	"context"
	"errors"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailtest"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

const wait = 5 * time.Second

func newServer(t *testing.T, accounts ...string) *mailtest.Server {
	t.Helper()
	return newServerTB(t, accounts...)
}

func newServerTB(t testing.TB, accounts ...string) *mailtest.Server {
	t.Helper()
	srv := mailtest.NewServer(t)
	for _, a := range accounts {
		if err := srv.AddAccount(a, "secret"); err != nil {
			t.Fatalf("AddAccount(%s): %v", a, err)
		}
	}
	return srv
}

func TestNetSMTPParsedMessage(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	err := smtp.SendMail(srv.SMTPAddr(), nil, "shop@example.org",
		[]string{"Alice@example.test"}, []byte(multipartMessage))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	m := srv.WaitMessage(t, "alice@example.test", wait)
	atts := m.Attachments()
	checks := []struct {
		name      string
		got, want any
	}{
		{"Envelope.From", m.Envelope.From, "shop@example.org"},
		{"Envelope.To", strings.Join(m.Envelope.To, ","), "Alice@example.test"},
		{"Header Message-ID", m.Header.Get("Message-ID"), "<order-1@example.org>"},
		{"Subject", m.Subject(), "Your order ✓"},
		{"Text", m.Text(), "Thanks for your order — 42 items."},
		{"HTML", m.HTML(), "<p>Thanks for your order</p>"},
		{"attachments", len(atts), 1},
		{"Return-Path", strings.HasPrefix(string(m.Raw()), "Return-Path: <shop@example.org>\r\n"),
			true},
		{"Received field", m.Header.Get("Received") != "", true},
		{"Messages", len(srv.Messages("alice@example.test")), 1},
		{"Outbound", len(srv.Outbound()), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(atts) == 1 && (atts[0].Filename != "invoice.pdf" ||
		atts[0].ContentType != "application/pdf" || string(atts[0].Data) != "%PDF-1.4\n") {
		t.Errorf("attachment = %+v", atts[0])
	}
}

func TestWaitMessageOrder(t *testing.T) {
	srv := newServer(t, "alice@example.test", "bob@example.test")
	for _, subject := range []string{"one", "two"} {
		msg := simpleMessage("app@example.org", "alice@example.test", subject)
		err := smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org",
			[]string{"alice@example.test", "bob@example.test"}, []byte(msg))
		if err != nil {
			t.Fatalf("SendMail: %v", err)
		}
	}
	for _, want := range []string{"one", "two"} {
		if got := srv.WaitMessage(t, "alice@example.test", wait).Subject(); got != want {
			t.Errorf("alice: Subject = %q, want %q", got, want)
		}
	}
	if got := srv.WaitMessage(t, "bob@example.test", wait).Subject(); got != "one" {
		t.Errorf("bob: first Subject = %q, want one", got)
	}
	// A message that arrives while waiting wakes the waiter.
	done := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		m, err := srv.NextMessage(ctx, "alice@example.test")
		if err != nil {
			done <- err.Error()
			return
		}
		done <- m.Subject()
	}()
	time.Sleep(20 * time.Millisecond)
	msg := simpleMessage("app@example.org", "alice@example.test", "three")
	if err := smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org",
		[]string{"alice@example.test"}, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	if got := <-done; got != "three" {
		t.Errorf("NextMessage while waiting = %q, want three", got)
	}
}

func TestWaitTimeout(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	t.Run("message", func(t *testing.T) {
		fake := &fakeTB{}
		start := time.Now()
		m := srv.WaitMessage(fake, "alice@example.test", 50*time.Millisecond)
		if m != nil {
			t.Errorf("WaitMessage = %v, want nil", m)
		}
		if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
			t.Errorf("WaitMessage returned after %v", d)
		}
		got := fake.messages()
		if len(got) != 1 || !strings.Contains(got[0], "no message for alice@example.test") {
			t.Errorf("Fatalf calls = %q", got)
		}
	})
	t.Run("outbound", func(t *testing.T) {
		fake := &fakeTB{}
		if m := srv.WaitOutbound(fake, 10*time.Millisecond); m != nil {
			t.Errorf("WaitOutbound = %v, want nil", m)
		}
		if got := fake.messages(); len(got) != 1 || !strings.Contains(got[0], "outbound") {
			t.Errorf("Fatalf calls = %q", got)
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := srv.NextMessage(ctx, "alice@example.test")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("NextMessage = %v, want context.Canceled", err)
		}
	})
}

// dialGoSMTP opens a go-smtp client session, authenticated when user is
// not empty.
func dialGoSMTP(t *testing.T, addr, user string) *gosmtp.Client {
	t.Helper()
	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("app.example.org"); err != nil {
		t.Fatalf("Hello: %v", err)
	}
	if user != "" {
		if err := c.Auth(sasl.NewPlainClient("", user, "secret")); err != nil {
			t.Fatalf("Auth: %v", err)
		}
	}
	return c
}

func sendGoSMTP(t *testing.T, c *gosmtp.Client, from string, to []string, msg string) {
	t.Helper()
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
}

func TestGoSMTPSubmissionAndOutbound(t *testing.T) {
	srv := newServer(t, "alice@example.test", "carol@example.test")
	c := dialGoSMTP(t, srv.SubmissionAddr(), "carol@example.test")
	msg := simpleMessage("carol@example.test", "alice@example.test, bob@remote.test", "lunch")
	sendGoSMTP(t, c, "carol@example.test",
		[]string{"alice@example.test", "bob@remote.test", "dan@other.test"}, msg)

	local := srv.WaitMessage(t, "alice@example.test", wait)
	if local.Subject() != "lunch" || local.Auth != nil {
		t.Errorf("local copy: Subject %q, Auth %v", local.Subject(), local.Auth)
	}
	out := srv.WaitOutbound(t, wait)
	if got := strings.Join(out.Envelope.To, ","); got != "bob@remote.test,dan@other.test" {
		t.Errorf("outbound To = %q", got)
	}
	if out.Envelope.From != "carol@example.test" || out.Subject() != "lunch" {
		t.Errorf("outbound From %q, Subject %q", out.Envelope.From, out.Subject())
	}
	if n := len(srv.Outbound()); n != 1 {
		t.Errorf("Outbound holds %d messages, want 1", n)
	}

	t.Run("auth required", func(t *testing.T) {
		c := dialGoSMTP(t, srv.SubmissionAddr(), "")
		err := c.Mail("carol@example.test", nil)
		var se *gosmtp.SMTPError
		if !errors.As(err, &se) || se.Code != 530 {
			t.Errorf("MAIL without AUTH = %v, want 530", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c, err := gosmtp.Dial(srv.SubmissionAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Auth(sasl.NewPlainClient("", "carol@example.test", "wrong"))
		var se *gosmtp.SMTPError
		if !errors.As(err, &se) || se.Code != 535 {
			t.Errorf("AUTH with a wrong password = %v, want 535", err)
		}
	})
}

func TestIMAPRead(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	if err := smtp.SendMail(srv.SMTPAddr(), nil, "shop@example.org",
		[]string{"alice@example.test"}, []byte(multipartMessage)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	srv.WaitMessage(t, "alice@example.test", wait)

	c, err := imapclient.DialInsecure(srv.IMAPAddr(), nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if err := c.Login("alice@example.test", "secret").Wait(); err != nil {
		t.Fatalf("Login: %v", err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 {
		t.Fatalf("Select = %+v, %v", sel, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Fetch = %v, %v", msgs, err)
	}
	if env := msgs[0].Envelope; env == nil || env.Subject != "Your order ✓" ||
		env.MessageID != "order-1@example.org" {
		t.Errorf("Envelope = %+v", msgs[0].Envelope)
	}
	if _, ok := msgs[0].BodyStructure.(*imap.BodyStructureMultiPart); !ok {
		t.Errorf("BodyStructure = %#v", msgs[0].BodyStructure)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("Logout: %v", err)
	}
}

func TestAddAccountInvalid(t *testing.T) {
	srv := newServer(t)
	if err := srv.AddAccount("no-domain", "pw"); err == nil {
		t.Error("AddAccount(no-domain) succeeded")
	}
	if err := srv.AddAccount("a@example.test", "pw"); err != nil {
		t.Fatalf("AddAccount: %v", err)
	}
	if err := srv.AddAccount("a@example.test", "pw"); err == nil {
		t.Error("second AddAccount of the same address succeeded")
	}
	if err := srv.AddAccount("b@example.test", "pw", "bad-alias"); err == nil {
		t.Error("AddAccount with an alias without domain succeeded")
	}
}

func TestAccountAliases(t *testing.T) {
	srv := newServer(t)
	if err := srv.AddAccount("alice@example.test", "pw", "sales@example.test",
		"alice@other.test"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"sales@example.test", "Alice@Other.test"} {
		msg := simpleMessage("app@example.org", to, "to "+to)
		if err := smtp.SendMail(srv.SMTPAddr(), nil, "app@example.org", []string{to},
			[]byte(msg)); err != nil {
			t.Fatalf("SendMail to %s: %v", to, err)
		}
		m := srv.WaitMessage(t, "alice@example.test", wait)
		if m.Subject() != "to "+to || !strings.EqualFold(m.Envelope.To[0], to) {
			t.Errorf("message for %s: Subject %q, To %v", to, m.Subject(), m.Envelope.To)
		}
	}
	if len(srv.Outbound()) != 0 {
		t.Error("mail for an alias was captured as outbound")
	}
}

func TestPutFixtures(t *testing.T) {
	srv := newServer(t, "alice@example.test")
	ctx := context.Background()
	puts := []struct {
		mailbox, subject string
		keywords         []string
	}{
		{"", "unread", nil},
		{"INBOX", "read", []string{`\Seen`, "$label1"}},
		{"Sent", "sent", []string{"$seen"}},
	}
	for _, p := range puts {
		msg := simpleMessage("alice@example.test", "bob@remote.test", p.subject)
		if err := srv.Put(ctx, "alice@example.test", p.mailbox, strings.NewReader(msg),
			p.keywords...); err != nil {
			t.Fatalf("Put(%s): %v", p.subject, err)
		}
	}
	if err := srv.Put(ctx, "alice@example.test", "Missing", strings.NewReader("x")); err == nil {
		t.Error("Put into a missing mailbox succeeded")
	}
	if err := srv.Put(ctx, "nobody@example.test", "", strings.NewReader("x")); err == nil {
		t.Error("Put for a missing account succeeded")
	}
	if n := len(srv.Messages("alice@example.test")); n != 0 {
		t.Errorf("Messages lists %d put messages", n)
	}
	c, err := imapclient.DialInsecure(srv.IMAPAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice@example.test", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 2 {
		t.Fatalf("Select INBOX = %+v, %v", sel, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{Flags: true,
		Envelope: true}).Collect()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch = %v, %v", msgs, err)
	}
	got := map[string]string{}
	for _, m := range msgs {
		var flags []string
		for _, f := range m.Flags {
			flags = append(flags, string(f))
		}
		got[m.Envelope.Subject] = strings.Join(flags, " ")
	}
	if strings.Contains(got["unread"], `\Seen`) || !strings.Contains(got["read"], `\Seen`) ||
		!strings.Contains(got["read"], "$label1") {
		t.Errorf("flags by subject = %q", got)
	}
	st, err := c.Status("Sent", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 1 {
		t.Errorf("Status Sent = %+v, %v", st, err)
	}
}
