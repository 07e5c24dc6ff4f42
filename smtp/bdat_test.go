package smtp_test

import (
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp"
)

// TestBDATChunks sends a message in several chunks (RFC 3030), binary
// content included, and checks it is stored byte for byte.
func TestBDATChunks(t *testing.T) {
	got := &capture{}
	e := setup(t, got.install)
	c := dialGreeted(t, e.addr)
	c.hello()
	body := "Subject: chunks\r\nContent-Type: application/octet-stream\r\n\r\n" +
		"bare\nLF and \x00 NUL\r\n.\r\nnot the end\r\n"
	chunks := []string{body[:7], body[7:30], "", body[30:]}
	c.cmd("MAIL FROM:<dana@example.com> BODY=BINARYMIME", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	for i, ch := range chunks {
		last := ""
		if i == len(chunks)-1 {
			last = " LAST"
		}
		c.send("BDAT " + itoa(len(ch)) + last + "\r\n" + ch)
		c.expect(250)
	}
	stored := e.inbox(t, "bob@example.test")
	if len(stored) != 1 || !strings.HasSuffix(stored[0], "\r\n"+body) {
		t.Fatalf("stored = %q, want the chunks joined", stored)
	}
	if env := got.last(t); env.Body != smtp.BodyBinaryMIME {
		t.Errorf("envelope body = %q, want BINARYMIME", env.Body)
	}
}

func TestBDATErrors(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.MaxMessageSize = 100 })
	c := dialGreeted(t, e.addr)
	c.hello()
	// BDAT before MAIL: the chunk is read and refused.
	c.send("BDAT 5\r\nhello")
	c.expect(503)
	c.cmd("MAIL FROM:<dana@example.com> BODY=BINARYMIME", 250)
	c.cmd("DATA", 554) // no recipient yet
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 503) // BINARYMIME needs BDAT
	c.send("BDAT 3\r\nabc")
	c.expect(250)
	c.cmd("DATA", 503) // no DATA after BDAT
	// Over the size limit: refused with 552, and the transaction ends.
	c.send("BDAT 200 LAST\r\n" + strings.Repeat("x", 200))
	if text := c.expect(552); !strings.HasPrefix(text, "5.3.4") {
		t.Errorf("oversized BDAT = %q, want 5.3.4", text)
	}
	c.send("BDAT 2 LAST\r\nxy")
	c.expect(503)
	c.cmd("NOOP", 250)
	// A BDAT line whose size cannot be read ends the session.
	c.send("BDAT many\r\n")
	c.expect(501)
	if !c.closed() {
		t.Error("connection open after BDAT with a bad size")
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 0 {
		t.Errorf("bob's inbox has %d messages, want 0", n)
	}
}
