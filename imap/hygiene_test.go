package imap

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestNULOctets checks RFC 9051 section 4.3: a NUL octet in a quoted
// string or in a literal that is not binary gets BAD and the session goes
// on; a binary literal (RFC 3516) may carry NUL, which FETCH BODY[] sends
// as 0x80 and FETCH BINARY[] as it is, in a literal8.
func TestNULOctets(t *testing.T) {
	env := newEnv(t, []string{"nul@example.test"}, nil)
	c := env.login("nul@example.test")

	c.send("q1 SELECT \"IN\x00BOX\"\r\n")
	if _, st := c.until("q1"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("NUL in quoted string: %q", st)
	}
	c.send("q2 SELECT {6+}\r\nIN\x00BOX\r\n")
	if _, st := c.until("q2"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("NUL in literal: %q", st)
	}
	msg := "Subject: nul\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: binary\r\n\r\nab\x00cd\r\n"
	c.send(fmt.Sprintf("q3 APPEND INBOX {%d+}\r\n%s\r\n", len(msg), msg))
	if _, st := c.until("q3"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("APPEND with NUL in a plain literal: %q", st)
	}
	c.send(fmt.Sprintf("q4 APPEND INBOX ~{%d+}\r\n%s\r\n", len(msg), msg))
	if _, st := c.until("q4"); !strings.HasPrefix(st, "OK") {
		t.Fatalf("APPEND with a binary literal: %q", st)
	}
	c.ok("SELECT INBOX")
	lines := c.ok("FETCH 1 (BODY.PEEK[1] BINARY.PEEK[1])")
	if len(lines) != 1 || !strings.Contains(lines[0], "BODY[1] {7}\r\nab\x80cd\r\n") ||
		!strings.Contains(lines[0], "BINARY[1] ~{7}\r\nab\x00cd\r\n") {
		t.Errorf("FETCH = %q", lines)
	}
}

// TestKeywordSpelling sets keywords in mixed case: they come back as the
// client spelled them, in this session and in another, while SEARCH and
// STORE match them without regard to case.
func TestKeywordSpelling(t *testing.T) {
	env := newEnv(t, []string{"kw@example.test"}, nil)
	a, b := env.login("kw@example.test"), env.login("kw@example.test")
	a.appendMsg("INBOX", "MyLabel", simpleMsg("one", "x"))
	a.appendMsg("INBOX", "", simpleMsg("two", "y"))
	a.ok("SELECT INBOX")
	lines := a.ok(`STORE 2 +FLAGS ($forwarded NonJunk \Seen)`)
	if len(lines) != 1 || !strings.Contains(lines[0], `FLAGS ($Forwarded \Seen NonJunk`) {
		t.Errorf("STORE = %q", lines)
	}
	lines = b.ok("SELECT INBOX")
	all := strings.Join(lines, "\n")
	for _, want := range []string{"MyLabel", "$Forwarded", "NonJunk"} {
		if !strings.Contains(all, want) {
			t.Errorf("SELECT lacks %s: %q", want, lines)
		}
	}
	if lines := b.ok("FETCH 1:2 FLAGS"); !strings.Contains(lines[0], "(MyLabel)") ||
		!strings.Contains(lines[1], `($Forwarded \Seen NonJunk)`) {
		t.Errorf("FETCH FLAGS = %q", lines)
	}
	if lines := b.ok("SEARCH KEYWORD MYLABEL"); len(lines) != 1 || lines[0] != "* SEARCH 1" {
		t.Errorf("SEARCH KEYWORD = %q", lines)
	}
	b.ok("STORE 1 -FLAGS (mylabel)")
	if lines := b.ok("FETCH 1 FLAGS"); !strings.Contains(lines[0], "FLAGS ()") {
		t.Errorf("after -FLAGS: %q", lines)
	}
}

// TestImplicitTLSOverLimit checks that a connection over the per-address
// limit on an implicit-TLS listener gets no plaintext: it is closed.
func TestImplicitTLSOverLimit(t *testing.T) {
	env := newEnv(t, []string{"lim@example.test"}, func(o *Options) {
		o.TLSConfig = testTLSConfig(t)
		o.ImplicitTLS = true
		o.MaxConnsPerIP = 1
	})
	first, err := tls.Dial("tcp", env.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("first connection: %v", err)
	}
	defer first.Close()
	_ = first.SetReadDeadline(time.Now().Add(5 * time.Second))
	greet := make([]byte, 4)
	if _, err := io.ReadFull(first, greet); err != nil || string(greet) != "* OK" {
		t.Fatalf("greeting %q, %v", greet, err)
	}

	raw, err := net.Dial("tcp", env.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(raw)
	if len(got) != 0 {
		t.Errorf("over the limit the server sent %q in clear", got)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("connection over the limit was left open")
	}

	_, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", env.addr,
		&tls.Config{InsecureSkipVerify: true})
	if err == nil {
		t.Error("TLS handshake over the limit succeeded")
	}
}

// TestFetchExpungedMeanwhile fetches the body of a message that another
// session expunged after this one last heard of the mailbox: the answer
// stays well formed (NIL) and the command ends OK [EXPUNGEISSUED].
func TestFetchExpungedMeanwhile(t *testing.T) {
	env := newEnv(t, []string{"exp@example.test"}, nil)
	a, b := env.login("exp@example.test"), env.login("exp@example.test")
	a.appendMsg("INBOX", "", simpleMsg("one", "x"))
	a.appendMsg("INBOX", "", simpleMsg("two", "y"))
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Deleted)`)
	b.ok("EXPUNGE")
	lines, st := a.do("FETCH 1:2 (UID BODY.PEEK[])")
	if !strings.HasPrefix(st, "OK [EXPUNGEISSUED]") {
		t.Errorf("status %q", st)
	}
	if len(lines) != 2 || lines[0] != "* 1 FETCH (UID 1 BODY[] NIL)" ||
		!strings.Contains(lines[1], "Subject: two") {
		t.Errorf("FETCH = %q", lines)
	}
	if lines := a.ok("NOOP"); !hasLine(lines, "* 1 EXPUNGE") {
		t.Errorf("NOOP = %q", lines)
	}
}

// TestListRecursiveMatchChildInfo checks RFC 5258 section 3.5: CHILDINFO
// names subscribed descendants that the patterns do not list themselves.
func TestListRecursiveMatchChildInfo(t *testing.T) {
	env := newEnv(t, []string{"li@example.test"}, nil)
	c := env.login("li@example.test")
	c.ok("CREATE top/kid")
	c.ok("SUBSCRIBE top/kid")
	lines := c.ok(`LIST (SUBSCRIBED RECURSIVEMATCH) "" (top)`)
	if len(lines) != 1 || !strings.Contains(lines[0], `"top" ("CHILDINFO" ("SUBSCRIBED"))`) {
		t.Errorf("child hidden by the pattern: %q", lines)
	}
	lines = c.ok(`LIST (SUBSCRIBED RECURSIVEMATCH) "" (top top/kid)`)
	if len(lines) != 1 || !strings.Contains(lines[0], `\Subscribed) "/" "top/kid"`) {
		t.Errorf("child listed itself: %q", lines)
	}
}

// TestPipelinedFetches sends many commands in one write, as mbsync does,
// with and without COMPRESS=DEFLATE: every answer arrives, in order.
func TestPipelinedFetches(t *testing.T) {
	const user = "pipe@example.test"
	env := newEnv(t, []string{user}, nil)
	fillPull(t, env, user, 60)
	for _, compress := range []bool{false, true} {
		if got := pullSession(t, env, user, 60, compress); got < 60*2048 {
			t.Errorf("compress %v: %d octets of messages", compress, got)
		}
	}
}
