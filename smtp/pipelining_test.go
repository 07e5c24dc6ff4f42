package smtp_test

import (
	"strings"
	"testing"
)

// TestPipeliningNoValidRecipient is case 019, scenario 1: MAIL, a refused
// RCPT and DATA in one write get 250, 550 and 554, never 354; the text
// the client then sends blindly is refused line by line and nothing is
// stored.
func TestPipeliningNoValidRecipient(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.send("MAIL FROM:<dana@example.com>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n")
	c.expect(250)
	if text := c.expect(550); !strings.HasPrefix(text, "5.1.1") {
		t.Errorf("RCPT reply %q, want 5.1.1", text)
	}
	if text := c.expect(554); !strings.HasPrefix(text, "5.5.1") {
		t.Errorf("DATA reply %q, want 5.5.1", text)
	}
	c.send("Subject: x\r\n\r\nbody\r\n.\r\nRSET\r\n")
	for i := 0; i < 4; i++ {
		if code, text := c.reply(); code != 500 {
			t.Errorf("reply to message line %d = %d %s, want 500", i+1, code, text)
		}
	}
	c.expect(250) // RSET
	c.cmd("QUIT", 221)
	for _, acct := range []string{"bob@example.test", "eli@example.test", "amy@example.test"} {
		if n := len(e.inbox(t, acct)); n != 0 {
			t.Errorf("inbox(%s) has %d messages, want 0", acct, n)
		}
	}
}

// TestPipeliningSomeValidRecipients is case 019, scenario 2: only the
// accepted recipient gets the message.
func TestPipeliningSomeValidRecipients(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.send("MAIL FROM:<dana@example.com>\r\nRCPT TO:<nobody@example.test>\r\n" +
		"RCPT TO:<eli@example.test>\r\nDATA\r\n")
	for _, want := range []int{250, 550, 250, 354} {
		c.expect(want)
	}
	c.send("Subject: x\r\n\r\nbody\r\n.\r\n")
	c.expect(250)
	c.cmd("QUIT", 221)
	if n := len(e.inbox(t, "eli@example.test")); n != 1 {
		t.Errorf("eli's inbox has %d messages, want 1", n)
	}
}

// TestPipelinedSession sends whole transactions in single writes, with
// DATA and with BDAT, and checks the replies come in order.
func TestPipelinedSession(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.send("EHLO client.example.com\r\nMAIL FROM:<dana@example.com>\r\n" +
		"RCPT TO:<bob@example.test>\r\nRCPT TO:<amy@example.test>\r\nDATA\r\n")
	c.expect(250)
	for _, want := range []int{250, 250, 250, 354} {
		c.expect(want)
	}
	body := message("pipelined data")
	c.send(body + ".\r\nMAIL FROM:<dana@example.com>\r\nRCPT TO:<bob@example.test>\r\n" +
		"BDAT 10\r\n" + body[:10] + "BDAT " + itoa(len(body)-10) + " LAST\r\n" + body[10:] +
		"NOOP\r\nQUIT\r\n")
	for _, want := range []int{250, 250, 250, 250, 250, 250, 221} {
		c.expect(want)
	}
	bob := e.inbox(t, "bob@example.test")
	if len(bob) != 2 || !strings.HasSuffix(bob[1], body) {
		t.Fatalf("bob's inbox = %q, want both messages", bob)
	}
	if n := len(e.inbox(t, "amy@example.test")); n != 1 {
		t.Errorf("amy's inbox has %d messages, want 1", n)
	}
}

// TestPipeliningBDATNoValidRecipient is case 019 with BDAT: the chunk of
// a transaction without recipients is read and refused, and the session
// stays in step.
func TestPipeliningBDATNoValidRecipient(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	body := message("bdat nobody")
	c.send("MAIL FROM:<dana@example.com>\r\nRCPT TO:<nobody@example.test>\r\n" +
		"BDAT " + itoa(len(body)) + " LAST\r\n" + body + "NOOP\r\n")
	for _, want := range []int{250, 550, 554, 250} {
		c.expect(want)
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 0 {
		t.Errorf("bob's inbox has %d messages, want 0", n)
	}
}
