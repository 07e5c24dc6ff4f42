package main

import (
	"errors"
	"log/slog"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestSpamConfig(t *testing.T) {
	def := defaultConfig().Spam
	if !def.Enable || !def.Bayes || def.Greylist || len(def.DNSBL) != 0 {
		t.Errorf("default [spam] = %+v, want enabled with bayes, no greylisting, no DNSBL", def)
	}
	bad := []string{
		"[spam]\ngreylist_delay = \"soon\"",
		"[spam]\njunk_threshold = 9.0\nreject_threshold = 4.0",
		"[spam]\nreject_threshold = -1.0",
	}
	for _, text := range bad {
		if _, err := loadConfig(writeConfig(t, text), slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("loadConfig accepted %q", text)
		}
	}
	cfg, err := loadConfig(writeConfig(t, "[spam]\ndnsbl = [\"zen.example\"]\ngreylist = true"),
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f, err := newSpamFilter(cfg.Spam, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil || f == nil {
		t.Errorf("newSpamFilter = %v, %v", f, err)
	}
}

// sendInbound sends one message to the inbound listener without TLS and
// returns the error of the first refused command.
func sendInbound(t *testing.T, addr, from, to, msg string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.elsewhere.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	w.Write([]byte(msg))
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// TestSpamFilterFilesAndRefuses sends a clean message, one over the Junk
// threshold and one over the reject threshold to the inbound listener,
// then reads the mailboxes over IMAP.
func TestSpamFilterFilesAndRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"carol@example.test": "carol-secret"}, false,
		"[spam]\njunk_threshold = 3.0\nreject_threshold = 8.0")
	waitListening(t, p.imaps, p)

	head := "From: Shop <shop@elsewhere.test>\r\nTo: carol@example.test\r\n"
	dated := "Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <1@elsewhere.test>\r\n"
	clean := head + dated + "Subject: Your order\r\nX-Spam-Status: No, score=-100\r\n" +
		"X-Spam-Flag: NO\r\n\r\nIt ships tomorrow.\r\n"
	junk := head + "Subject: LIMITED OFFER JUST FOR YOU\r\n\r\nBuy now.\r\n"
	reject := head + "Subject: LIMITED OFFER JUST FOR YOU\r\n" +
		"Content-Type: text/html\r\n\r\n<a href=\"http://192.0.2.1/x\">here</a> " +
		"<a href=\"https://bit.ly/abc\">or here</a>\r\n"
	for name, msg := range map[string]string{"clean": clean, "junk": junk} {
		if err := sendInbound(t, p.smtp, "shop@elsewhere.test", "carol@example.test", msg); err != nil {
			t.Fatalf("%s message refused: %v", name, err)
		}
	}
	err := sendInbound(t, p.smtp, "shop@elsewhere.test", "carol@example.test", reject)
	if replyCode(err) != 550 || !strings.Contains(err.Error(), "5.7.1") {
		t.Errorf("spam over the reject threshold: %v, want 550 5.7.1", err)
	}

	ic, err := imapclient.DialTLS(p.imaps, &imapclient.Options{TLSConfig: trustServer(t, p)})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("carol@example.test", "carol-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"INBOX": "Your order", "Junk": "LIMITED OFFER JUST FOR YOU"}
	for box, subject := range want {
		header := fetchOnlyHeader(t, ic, box)
		if !strings.Contains(header, "Subject: "+subject) {
			t.Errorf("%s holds another message:\n%s", box, header)
		}
		if n := strings.Count(header, "X-Spam-Status:"); n != 1 {
			t.Errorf("%s message has %d X-Spam-Status fields, want 1:\n%s", box, n, header)
		}
		flagged := strings.Contains(header, "X-Spam-Flag: YES")
		if flagged != (box == "Junk") || strings.Contains(header, "score=-100") {
			t.Errorf("%s message has the wrong verdict fields:\n%s", box, header)
		}
	}

	// Moving the clean message into Junk trains it as spam.
	if _, err := ic.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.Move(imapSeq1(), "Junk").Wait(); err != nil {
		t.Fatalf("MOVE: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.logs.String(), "spamfilter trained") {
		if time.Now().After(deadline) {
			t.Fatalf("no training after MOVE to Junk; log:\n%s", tail(p.logs.String(), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.logs.String(), "spam=true") {
		t.Errorf("MOVE to Junk trained as ham; log:\n%s", tail(p.logs.String(), 20))
	}
}

// fetchOnlyHeader selects box, checks that it holds one message and
// returns that message's header.
func fetchOnlyHeader(t *testing.T, ic *imapclient.Client, box string) string {
	t.Helper()
	sel, err := ic.Select(box, nil).Wait()
	if err != nil {
		t.Fatalf("SELECT %s: %v", box, err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("%s holds %d messages, want 1", box, sel.NumMessages)
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	msgs, err := ic.Fetch(imapSeq1(), &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH in %s: %v", box, err)
	}
	return string(msgs[0].FindBodySection(section))
}

// TestGreylisting checks that the first attempt of a triplet gets "451
// 4.7.1" and a retry after the delay is accepted.
func TestGreylisting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"dave@example.test": "dave-secret"}, false,
		"[spam]\ngreylist = true\ngreylist_delay = \"1s\"")
	msg := "From: shop@elsewhere.test\r\nTo: dave@example.test\r\nSubject: hello\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <2@elsewhere.test>\r\n" +
		"\r\nHello.\r\n"
	err := sendInbound(t, p.smtp, "shop@elsewhere.test", "dave@example.test", msg)
	if replyCode(err) != 451 || !strings.Contains(err.Error(), "4.7.1") {
		t.Fatalf("first attempt: %v, want 451 4.7.1", err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := sendInbound(t, p.smtp, "shop@elsewhere.test", "dave@example.test", msg); err != nil {
		t.Errorf("retry after the delay: %v", err)
	}
}
