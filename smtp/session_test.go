package smtp_test

import (
	"errors"
	"net/smtp"
	"strings"
	"testing"

	bsmtp "github.com/bulwarkmail/bulwark/smtp"
	gosmtp "github.com/emersion/go-smtp"
)

func TestEHLOExtensions(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	got := strings.Join(c.hello(), "|")
	for _, want := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE 67108864",
		"CHUNKING", "BINARYMIME", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS"} {
		if !strings.Contains("|"+got+"|", "|"+want+"|") {
			t.Errorf("EHLO extensions %q lack %q", got, want)
		}
	}
	// Inbound servers never offer AUTH; REQUIRETLS only under TLS.
	for _, bad := range []string{"AUTH", "REQUIRETLS"} {
		if strings.Contains(got, bad) {
			t.Errorf("EHLO extensions %q offer %s on plain inbound", got, bad)
		}
	}
	c.cmd("HELO client.example.com", 250)
	c.cmd("NOOP", 250)
	c.cmd("VRFY bob", 252)
	c.cmd("HELP", 214)
	c.cmd("RSET", 250)
	c.cmd("QUIT", 221)
}

// noTLS leaves STARTTLS out, for clients that would insist on verifying
// the test certificate.
func noTLS(o *bsmtp.Options) { o.TLSConfig = nil }

func TestStandardClientDelivers(t *testing.T) {
	e := setup(t, noTLS)
	msg := message("standard client")
	err := smtp.SendMail(e.addr, nil, "dana@example.com",
		[]string{"bob@example.test", "Eli@EXAMPLE.test"}, []byte(msg))
	if err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	for _, acct := range []string{"bob@example.test", "eli@example.test"} {
		got := e.inbox(t, acct)
		if len(got) != 1 || !strings.HasSuffix(got[0], msg) {
			t.Fatalf("inbox(%s) = %q, want the message", acct, got)
		}
		if !strings.HasPrefix(got[0], "Return-Path: <dana@example.com>\r\nReceived: from ") {
			t.Errorf("stored message starts %q, want Return-Path then Received", got[0][:60])
		}
	}
}

func TestGoSMTPClientOptions(t *testing.T) {
	got := &capture{}
	e := setup(t, got.install)
	c, err := gosmtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.com"); err != nil {
		t.Fatal(err)
	}
	opts := &gosmtp.MailOptions{Size: 100, Return: gosmtp.DSNReturnHeaders,
		EnvelopeID: "id+1=x", UTF8: true}
	if err := c.Mail("dana@example.com", opts); err != nil {
		t.Fatalf("Mail: %v", err)
	}
	ropts := &gosmtp.RcptOptions{Notify: []gosmtp.DSNNotify{gosmtp.DSNNotifyFailure,
		gosmtp.DSNNotifyDelayed}, OriginalRecipientType: gosmtp.DSNAddressTypeRFC822,
		OriginalRecipient: "bob+orig@example.test"}
	if err := c.Rcpt("bob+lists@example.test", ropts); err != nil {
		t.Fatalf("Rcpt: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(message("go-smtp")))
	if err := w.Close(); err != nil {
		t.Fatalf("Data close: %v", err)
	}
	c.Quit()

	env := got.last(t)
	r := env.Recipients[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Body", string(env.Body), "8BITMIME"},
		{"Size", env.Size, int64(100)},
		{"Ret", env.Ret, "HDRS"},
		{"EnvID", env.EnvID, "id+1=x"},
		{"SMTPUTF8", env.SMTPUTF8, true},
		{"Notify", strings.Join(r.Notify, ","), "FAILURE,DELAY"},
		{"ORcpt", r.ORcpt, "RFC822;bob+orig@example.test"},
		{"Tag", r.Tag, "lists"},
		{"Accounts", strings.Join(r.Accounts, ","), "bob@example.test"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("envelope %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestInboundRecipientPolicy(t *testing.T) {
	e := setup(t, nil)
	tests := []struct {
		rcpt string
		code int
		enh  string
	}{
		{"bob@example.test", 250, "2.1.5"},
		{"robert@example.test", 250, "2.1.5"},
		{"bob+tag@example.test", 250, "2.1.5"},
		{"nobody@example.test", 550, "5.1.1"},
		{"someone@elsewhere.example", 550, "5.7.1"},
		{"bad address@example.test", 501, "5.1.3"},
		{"a..b@example.test", 501, "5.1.3"},
		{"bob@example.test\r\nX-Injected: yes", 501, "5.5.4"},
	}
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	for _, tt := range tests {
		t.Run(tt.rcpt, func(t *testing.T) {
			c.t = t
			c.send("RCPT TO:<" + tt.rcpt + ">\r\n")
			if strings.Contains(tt.rcpt, "\r\n") {
				// The injected line is a separate, bad command.
				code, _ := c.reply()
				if code != 501 {
					t.Errorf("RCPT with CRLF: first reply %d, want 501", code)
				}
				c.expect(500)
				return
			}
			code, text := c.reply()
			if code != tt.code || !strings.HasPrefix(text, tt.enh) {
				t.Errorf("RCPT TO:<%s> = %d %s, want %d %s", tt.rcpt, code, text, tt.code, tt.enh)
			}
		})
	}
}

// TestNullReversePath is case 017: a notification with MAIL FROM:<> is
// accepted and stored with "Return-Path: <>".
func TestNullReversePath(t *testing.T) {
	e := setup(t, nil)
	c := dial(t, e.addr)
	c.expect(220)
	c.cmd("EHLO mx.example.org", 250)
	c.cmd("MAIL FROM:<>", 250)
	c.cmd("RCPT TO:<amy@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n" +
		"To: amy@example.test\r\nSubject: Automatic reply: travelling\r\n" +
		"Auto-Submitted: auto-replied\r\n\r\nI am away until Monday.\r\n.\r\n")
	c.expect(250)
	c.cmd("QUIT", 221)
	got := e.inbox(t, "amy@example.test")
	if len(got) != 1 || !strings.HasPrefix(got[0], "Return-Path: <>\r\n") {
		t.Fatalf("amy's inbox = %q, want one message with Return-Path: <>", got)
	}
	// The whole kind: <> also works with parameters and in submission.
	c = dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<> BODY=8BITMIME SIZE=10", 250)
	c.cmd("RCPT TO:<amy@example.test>", 250)
	c.cmd("RSET", 250)
	c.cmd("MAIL FROM: <>", 250)
}

func TestSequenceErrors(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.cmd("MAIL FROM:<dana@example.com>", 503) // before EHLO
	c.hello()
	c.cmd("RCPT TO:<bob@example.test>", 503)
	c.cmd("DATA", 503)
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("MAIL FROM:<dana@example.com>", 503)
	c.cmd("DATA", 554)
	c.cmd("RSET", 250)
	c.cmd("MAIL FROM:<dana@example.com> FOO=BAR", 555)
	c.cmd("MAIL FROM:<dana@example.com> SIZE=abc", 501)
	c.cmd("MAIL FROM:dana@example.com", 501)
	c.cmd("MAIL FROM:<dana@example.com> REQUIRETLS", 555)
	c.cmd("BOGUS", 500)
	c.cmd("LHLO x", 500) // LMTP only
	c.cmd("AUTH PLAIN", 502)
	c.cmd("QUIT", 221)
}

func TestUTF8Addresses(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	// Without SMTPUTF8, a non-ASCII address is refused with 5.6.7.
	text := c.cmd("MAIL FROM:<jöran@example.com>", 553)
	if !strings.HasPrefix(text, "5.6.7") {
		t.Errorf("MAIL without SMTPUTF8 = %q, want 5.6.7", text)
	}
	c.cmd("MAIL FROM:<jöran@bücher.example> SMTPUTF8 BODY=8BITMIME", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("From: jöran@bücher.example\r\nSubject: Grüße\r\n\r\n8-bit body: äöü\r\n.\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 || !strings.Contains(got[0], "8-bit body: äöü") ||
		!strings.Contains(got[0], "with UTF8SMTP") {
		t.Fatalf("bob's inbox = %q, want the 8-bit message received with UTF8SMTP", got)
	}
}

func TestGoSMTPRejections(t *testing.T) {
	e := setup(t, noTLS)
	c, err := gosmtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("dana@example.com", nil); err != nil {
		t.Fatalf("Mail: %v", err)
	}
	tests := []struct {
		rcpt string
		code int
		enh  gosmtp.EnhancedCode
	}{
		{"x@elsewhere.example", 550, gosmtp.EnhancedCode{5, 7, 1}},
		{"nobody@example.test", 550, gosmtp.EnhancedCode{5, 1, 1}},
	}
	for _, tt := range tests {
		err := c.Rcpt(tt.rcpt, nil)
		var se *gosmtp.SMTPError
		if !errors.As(err, &se) || se.Code != tt.code || se.EnhancedCode != tt.enh {
			t.Errorf("Rcpt(%s) = %v, want %d %v", tt.rcpt, err, tt.code, tt.enh)
		}
	}
}

// TestHeaderInjectionParameters checks that DSN and AUTH parameters whose
// xtext decodes to control characters are refused.
func TestHeaderInjectionParameters(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com> ENVID=a+0D+0AX-Evil:+201", 501)
	c.cmd("MAIL FROM:<dana@example.com> AUTH=a+0Ab", 501)
	c.cmd("MAIL FROM:<dana@example.com> ENVID=ok+2Bfine", 250)
	c.cmd("RCPT TO:<bob@example.test> ORCPT=rfc822;b+0D+0Ac", 501)
	c.cmd("RCPT TO:<bob@example.test> NOTIFY=NEVER,SUCCESS", 501)
	c.cmd("RCPT TO:<bob@example.test> NOTIFY=NEVER", 250)
}
