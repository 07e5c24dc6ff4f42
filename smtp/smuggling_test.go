package smtp_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

func itoa(n int) string { return strconv.Itoa(n) }

// smuggle is the data of case 016 with a chosen fake terminator.
func smuggle(fake string) string {
	return "From: alice@example.com\r\nTo: bob@example.test\r\nSubject: first\r\n\r\n" +
		"hello\r\n" + fake + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\n" +
		"DATA\r\nFrom: ceo@example.test\r\nSubject: smuggled\r\n\r\nsend the payment\r\n.\r\n"
}

// smugglingVariants are the lone end-of-data sequences that must not end
// DATA (RFC 5321, sections 2.3.8 and 4.1.1.4). The "hello\r\n" before
// each supplies the first CRLF where the variant needs one.
var smugglingVariants = []struct {
	name, fake string
	ordinary   bool // no bare line ending: an ordinary line of one message
}{
	{"LF.CRLF", "\n.\r\n", false},
	{"CRLF.LF", ".\n", false},
	{"CR.CRLF", "\r.\r\n", false},
	{"LF.LF", "\n.\n", false},
	{"CRLF.CR", ".\r", false},
	{"CR.CR", "\r.\r", false},
	{"CRLF.CRCRLF", ".\r\r\n", false},
	{"LF.LF-only", "\n\n.\n\n", false},
	{"CRLF.SP.CRLF", ". \r\n", true},
	{"CRLF.NUL.CRLF", ".\x00\r\n", true},
	{"CRLF.NUL-dot.CRLF", "\x00.\r\n", true},
}

// TestSmugglingRejected is case 016 with the default policy: each variant
// gets exactly one reply, 550 5.6.0, and no message is stored.
func TestSmugglingRejected(t *testing.T) {
	e := setup(t, nil)
	for _, v := range smugglingVariants {
		t.Run(v.name, func(t *testing.T) {
			c := dialGreeted(t, e.addr)
			c.t = t
			c.hello()
			c.cmd("MAIL FROM:<alice@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("DATA", 354)
			c.send(smuggle(v.fake) + "QUIT\r\n")
			code, text := c.reply()
			if v.ordinary {
				if code != 250 {
					t.Fatalf("DATA reply = %d %s, want 250", code, text)
				}
			} else if code != 550 || !strings.HasPrefix(text, "5.6.0") {
				t.Fatalf("DATA reply = %d %s, want 550 5.6.0", code, text)
			}
			c.expect(221) // the next reply answers QUIT: nothing smuggled ran
		})
	}
	for _, m := range e.inbox(t, "bob@example.test") {
		if strings.Contains(m, "\r\nSubject: smuggled\r\n\r\n") &&
			!strings.Contains(m, "MAIL FROM:<ceo@example.test>") {
			t.Errorf("a smuggled message was stored: %q", m)
		}
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 3 {
		t.Errorf("bob's inbox has %d messages, want 3 (the ordinary ones)", n)
	}
}

// TestSmugglingNormalised checks the normalising policy: one message,
// which holds the would-be second envelope as text.
func TestSmugglingNormalised(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.BareLineEndings = smtp.NormaliseBareLineEndings })
	for _, v := range smugglingVariants {
		t.Run(v.name, func(t *testing.T) {
			c := dialGreeted(t, e.addr)
			c.t = t
			c.hello()
			c.cmd("MAIL FROM:<alice@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("DATA", 354)
			c.send(smuggle(v.fake) + "QUIT\r\n")
			c.expect(250)
			c.expect(221)
		})
	}
	got := e.inbox(t, "bob@example.test")
	if len(got) != len(smugglingVariants) {
		t.Fatalf("bob's inbox has %d messages, want %d", len(got), len(smugglingVariants))
	}
	for _, m := range got {
		if !strings.Contains(m, "MAIL FROM:<ceo@example.test>\r\n") {
			t.Errorf("stored message lacks the smuggled text: %q", m)
		}
		if strings.Contains(strings.ReplaceAll(m, "\r\n", ""), "\r") ||
			strings.Contains(strings.ReplaceAll(m, "\r\n", ""), "\n") {
			t.Errorf("stored message keeps a bare line ending: %q", m)
		}
	}
}

// TestSplitTerminator checks that a real CRLF.CRLF split over two writes
// ends the data, and a following transaction is a new, legitimate one.
func TestSplitTerminator(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<alice@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send(message("split") + ".\r")
	time.Sleep(50 * time.Millisecond)
	c.send("\n")
	c.expect(250)
	c.cmd("QUIT", 221)
	if n := len(e.inbox(t, "bob@example.test")); n != 1 {
		t.Errorf("bob's inbox has %d messages, want 1", n)
	}
}

// TestBareTerminatorTimesOut checks that a client that ends its data
// with a bare LF.LF and waits is answered within the data timeout.
func TestBareTerminatorTimesOut(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.DataTimeout = 300 * time.Millisecond })
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<alice@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("Subject: x\n\nbody\n.\n")
	start := time.Now()
	if text := c.expect(421); !strings.HasPrefix(text, "4.4.2") {
		t.Errorf("reply %q, want 4.4.2 timeout", text)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout reply after %v", d)
	}
	if !c.closed() {
		t.Error("connection still open after the timeout")
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 0 {
		t.Errorf("bob's inbox has %d messages, want 0", n)
	}
}

// TestDotStuffing checks that leading dots are unstuffed (RFC 5321,
// section 4.5.2).
func TestDotStuffing(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<alice@example.com>", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("Subject: dots\r\n\r\n..leading\r\n...\r\n..\r\n.\r\n")
	c.expect(250)
	got := e.inbox(t, "bob@example.test")
	if len(got) != 1 || !strings.HasSuffix(got[0], "\r\n\r\n.leading\r\n..\r\n.\r\n") {
		t.Fatalf("stored = %q, want unstuffed lines", got)
	}
}

// TestSmugglingSubmission runs case 016 on a submission server after
// STARTTLS and AUTH.
func TestSmugglingSubmission(t *testing.T) {
	e := setup(t, submission(nil))
	for _, v := range smugglingVariants[:5] {
		t.Run(v.name, func(t *testing.T) {
			c := dialGreeted(t, e.addr)
			c.t = t
			c.hello()
			c.startTLS(e)
			c.hello()
			c.cmd("AUTH PLAIN "+b64("\x00bob@example.test\x00"+testPassword), 235)
			c.cmd("MAIL FROM:<bob@example.test>", 250)
			c.cmd("RCPT TO:<eli@example.test>", 250)
			c.cmd("DATA", 354)
			c.send(smuggle(v.fake) + "QUIT\r\n")
			if text := c.expect(550); !strings.HasPrefix(text, "5.6.0") {
				t.Errorf("DATA reply = %q, want 5.6.0", text)
			}
			c.expect(221)
		})
	}
	if n := len(e.inbox(t, "eli@example.test")); n != 0 {
		t.Errorf("eli's inbox has %d messages, want 0", n)
	}
}
