package imap

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// crlf turns "\n" line ends into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Case 001: BODYSTRUCTURE carries the extension data, BODY does not.
func TestCase001BodyStructureExtension(t *testing.T) {
	env := newEnv(t, []string{"dave@example.test"}, nil)
	c := env.login("dave@example.test")
	msg := crlf(`From: Carol Example <carol@example.com>
To: Dave Example <dave@example.test>
Subject: alternative parts
Date: Thu, 03 Dec 2026 10:00:00 +0000
Message-ID: <alt-0001@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary="b1-7f3a"

--b1-7f3a
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

hello

--b1-7f3a
Content-Type: text/html; charset=us-ascii
Content-Transfer-Encoding: 7bit

<p>hello</p>
--b1-7f3a--
`)
	c.appendMsg("INBOX", "", msg)
	c.ok("SELECT INBOX")
	bs := strings.Join(c.ok("UID FETCH 1:* (BODYSTRUCTURE)"), "\n")
	body := strings.Join(c.ok("UID FETCH 1:* (BODY)"), "\n")
	leaf := regexp.MustCompile(`\("TEXT" "(PLAIN|HTML)" \("CHARSET" "us-ascii"\) NIL NIL "7BIT" \d+ \d+ NIL NIL NIL NIL\)`)
	if !strings.Contains(bs, `"ALTERNATIVE" ("BOUNDARY" "b1-7f3a") NIL NIL NIL)`) ||
		len(leaf.FindAllString(bs, -1)) != 2 {
		t.Errorf("BODYSTRUCTURE = %s", bs)
	}
	if strings.Contains(body, "BOUNDARY") || strings.Contains(body, "NIL NIL NIL NIL") {
		t.Errorf("BODY has extension data: %s", body)
	}
}

const case003 = `From: Erin Example <erin@example.com>
To: Frank Example <frank@example.test>
Subject: Fwd: quarterly numbers
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <fwd-0003@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-42"

--outer-42
Content-Type: text/plain; charset=utf-8

See the forwarded message.

--outer-42
Content-Type: message/rfc822
Content-Disposition: attachment; filename="numbers.eml"

From: Grace Example <grace@example.org>
To: Erin Example <erin@example.com>
Subject: quarterly numbers
Date: Wed, 02 Dec 2026 09:00:00 +0000
Message-ID: <inner-0003@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Revenue is up.

--outer-42--
`

// Case 003: sections of a message/rfc822 part (MIME, HEADER, TEXT, 2, 2.1).
func TestCase003RFC822PartSections(t *testing.T) {
	env := newEnv(t, []string{"frank@example.test"}, nil)
	c := env.login("frank@example.test")
	msg := crlf(case003)
	c.appendMsg("INBOX", "", msg)
	c.ok("SELECT INBOX")
	inner := msg[strings.Index(msg, "From: Grace"):strings.Index(msg, "\r\n--outer-42--")]
	innerBody := "Revenue is up.\r\n"
	innerHdr := inner[:strings.Index(inner, "\r\n\r\n")+4]
	tests := []struct{ sec, want string }{
		{"2.MIME", "Content-Type: message/rfc822\r\nContent-Disposition: attachment; " +
			"filename=\"numbers.eml\"\r\n\r\n"},
		{"2.HEADER", innerHdr},
		{"2.TEXT", innerBody},
		{"2.1", innerBody},
		{"2", inner},
	}
	for _, tc := range tests {
		t.Run(tc.sec, func(t *testing.T) {
			lines := c.ok("UID FETCH 1 (BODY.PEEK[" + tc.sec + "])")
			want := fmt.Sprintf("BODY[%s] {%d}\r\n%s)", tc.sec, len(tc.want), tc.want)
			if len(lines) != 1 || !strings.HasSuffix(lines[0], want) {
				t.Errorf("BODY[%s] = %q, want suffix %q", tc.sec, lines, want)
			}
		})
	}
}

// Case 004: partial fetches beyond the end and at 32-bit edges.
func TestCase004PartialBeyondEnd(t *testing.T) {
	env := newEnv(t, []string{"ivan@example.test"}, nil)
	c := env.login("ivan@example.test")
	msg := crlf(`From: Hana Example <hana@example.com>
To: Ivan Example <ivan@example.test>
Subject: tiny
Date: Thu, 03 Dec 2026 13:00:00 +0000
Message-ID: <tiny-0004@example.com>
Content-Type: text/plain; charset=us-ascii

short body
`)
	c.appendMsg("INBOX", "", msg)
	c.ok("SELECT INBOX")
	tests := []struct{ cmd, want string }{
		{"UID FETCH 1 (UID BODY.PEEK[1]<393216.393216>)", `BODY[1]<393216> "")`},
		{"UID FETCH 1 (UID BODY.PEEK[]<0.65536>)",
			fmt.Sprintf("BODY[]<0> {%d}\r\n%s)", len(msg), msg)},
		{"UID FETCH 1 (UID BODY.PEEK[]<10.20>)", "BODY[]<10> {20}\r\n" + msg[10:30] + ")"},
		{"UID FETCH 1 (UID BODY.PEEK[TEXT]<4294967290.100>)", `BODY[TEXT]<4294967290> "")`},
		{"UID FETCH 1 (UID BINARY.PEEK[1]<4294967295.4294967295>)", `BINARY[1]<4294967295> "")`},
	}
	for _, tc := range tests {
		lines := c.ok(tc.cmd)
		if len(lines) != 1 || !strings.HasSuffix(lines[0], tc.want) {
			t.Errorf("%s = %q, want suffix %q", tc.cmd, lines, tc.want)
		}
	}
	c.ok("NOOP")
}

// Case 007: a message whose header runs into the body is stored as is.
func TestCase007HeaderWithoutBlankLine(t *testing.T) {
	env := newEnv(t, []string{"olga@example.test"}, nil)
	c := env.login("olga@example.test")
	msg := crlf(`From: Shop Example <receipts@shop.example.com>
To: Olga Example <olga@example.test>
Subject: Your receipt 1042
Date: Mon, 05 Sep 2022 10:00:00 +0000
Content-Type: text/html; charset=utf-8
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html><head><title>Receipt</title></head>
<body><p>Total: 12.00</p></body></html>
`)
	status := c.appendMsg("INBOX", `\Seen`, msg)
	if !strings.Contains(status, "[APPENDUID ") {
		t.Errorf("APPEND status = %q", status)
	}
	c.ok("SELECT INBOX")
	lines := c.ok("UID FETCH 1:* (BODY.PEEK[] BODYSTRUCTURE ENVELOPE)")
	if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("{%d}\r\n%s", len(msg), msg)) {
		t.Errorf("FETCH = %q", lines)
	}
	if lines := c.ok(`UID SEARCH TEXT "Total"`); !hasLine(lines, "SEARCH 1") {
		t.Errorf("SEARCH TEXT = %q", lines)
	}
	// The same kind: a header with no body at all, and a bare-LF message.
	for _, m := range []string{"Subject: only a header\r\n", "Subject: lf\nFrom: a@b\n\nbody\n"} {
		status := c.appendMsg("INBOX", "", m)
		uid := uidCodeRE.FindStringSubmatch(status)
		if uid == nil {
			t.Fatalf("APPEND %q = %q", m, status)
		}
		c.ok("NOOP")
		lines := c.ok("UID FETCH " + uid[3] + " (BODY.PEEK[] BODY.PEEK[TEXT] BODYSTRUCTURE ENVELOPE)")
		if len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf("{%d}\r\n%s", len(m), m)) {
			t.Errorf("FETCH of %q = %q", m, lines)
		}
	}
}

// Case 008: RETURN () means RETURN (ALL); no untagged SEARCH is sent.
func TestCase008ESearchEmptyReturn(t *testing.T) {
	env := newEnv(t, []string{"pia@example.test"}, nil)
	c := env.login("pia@example.test")
	for i := 1; i <= 5; i++ {
		c.appendMsg("INBOX", "", simpleMsg(fmt.Sprintf("m%d", i), "x"))
	}
	c.ok("SELECT INBOX")
	c.ok(`UID STORE 2,4 +FLAGS (\Seen)`)
	tests := []struct{ cmd, want string }{
		{"UID SEARCH RETURN () UNSEEN", "UID ALL 1,3,5"},
		{"SEARCH RETURN () ALL", "ALL 1:5"},
		{`UID SEARCH RETURN () SUBJECT "no-such-subject-xyz"`, "UID"},
		{"UID SEARCH RETURN (COUNT MIN) UNSEEN", "UID MIN 1 COUNT 3"},
	}
	for _, tc := range tests {
		c.n++
		tag := fmt.Sprintf("t%d", c.n)
		c.send(tag + " " + tc.cmd + "\r\n")
		lines, status := c.until(tag)
		want := fmt.Sprintf(`* ESEARCH (TAG "%s") %s`, tag, tc.want)
		if !strings.HasPrefix(status, "OK") || len(lines) != 1 || lines[0] != want {
			t.Errorf("%s = %q %q, want %q", tc.cmd, lines, status, want)
		}
	}
}

var uidCodeRE = regexp.MustCompile(`\[(APPENDUID|COPYUID) ([0-9]+) ([0-9:,]+)(?: ([0-9:,]+))?\]`)

// Case 010: APPENDUID and COPYUID carry the destination UIDVALIDITY first.
func TestCase010AppendUIDOrder(t *testing.T) {
	env := newEnv(t, []string{"sara@example.test"}, nil)
	c := env.login("sara@example.test")
	st := strings.Join(c.ok("STATUS INBOX (UIDVALIDITY UIDNEXT)"), "")
	var validity, next int
	fmt.Sscanf(st[strings.Index(st, "UIDVALIDITY"):], "UIDVALIDITY %d UIDNEXT %d", &validity, &next)
	status := c.appendMsg("INBOX", `\Draft`, "Subject: draft\r\n\r\nbody\r\n")
	want := fmt.Sprintf("[APPENDUID %d %d]", validity, next)
	if !strings.Contains(status, want) {
		t.Fatalf("APPEND status %q, want %s", status, want)
	}
	c.ok("CREATE Archive2")
	c.ok("SELECT INBOX")
	_, copyStatus := c.do(fmt.Sprintf("UID COPY %d Archive2", next))
	st = strings.Join(c.ok("STATUS Archive2 (UIDVALIDITY)"), "")
	var dstValidity int
	fmt.Sscanf(st[strings.Index(st, "UIDVALIDITY"):], "UIDVALIDITY %d", &dstValidity)
	m := uidCodeRE.FindStringSubmatch(copyStatus)
	if m == nil || m[2] != fmt.Sprint(dstValidity) || m[3] != fmt.Sprint(next) {
		t.Fatalf("COPY status %q, want COPYUID %d %d ...", copyStatus, dstValidity, next)
	}
	c.ok("SELECT Archive2")
	if lines := c.ok("UID FETCH " + m[4] + " (BODY.PEEK[])"); !hasLine(lines, "Subject: draft") {
		t.Errorf("copied message = %q", lines)
	}
}

// Case 012: "&-" and "&AOk-" in modified UTF-7, and UTF-8 mode.
func TestCase012MailboxAmpersand(t *testing.T) {
	env := newEnv(t, []string{"uma@example.test"}, nil)
	c := env.login("uma@example.test")
	c.ok(`CREATE "Trips/Tom&-Jerry"`)
	c.ok(`CREATE "Caf&AOk-"`)
	lines := c.ok(`LIST "" "*"`)
	if !hasLine(lines, `"Trips/Tom&-Jerry"`) || !hasLine(lines, `"Caf&AOk-"`) {
		t.Errorf("LIST = %q", lines)
	}
	c.ok(`SELECT "Trips/Tom&-Jerry"`)
	sel := c.ok(`SELECT "Caf&AOk-"`)
	if _, status := c.do(`CREATE "Bad&name"`); strings.HasPrefix(status, "OK") {
		t.Errorf("CREATE Bad&name = %q, want NO or BAD", status)
	}
	d := env.login("uma@example.test")
	d.ok("ENABLE UTF8=ACCEPT")
	lines = d.ok(`LIST "" "*"`)
	if !hasLine(lines, `"Trips/Tom&Jerry"`) || !hasLine(lines, `"Café"`) || hasLine(lines, "Bad") {
		t.Errorf("UTF-8 LIST = %q", lines)
	}
	sel2 := d.ok(`SELECT "Café"`)
	if uidValidity(sel) == "" || uidValidity(sel) != uidValidity(sel2) {
		t.Errorf("UIDVALIDITY differs: %q vs %q", sel, sel2)
	}
}

func uidValidity(lines []string) string {
	for _, l := range lines {
		if i := strings.Index(l, "[UIDVALIDITY "); i >= 0 {
			return l[i:]
		}
	}
	return ""
}

// Case 013: mailbox names with quotes, as quoted strings and literals.
func TestCase013MailboxWithQuotes(t *testing.T) {
	env := newEnv(t, []string{"vera@example.test"}, nil)
	c := env.login("vera@example.test")
	msg := crlf("From: Will Example <will@example.com>\nSubject: Re: quote for Org \"Alpha\" (v2)\n\nbody\n")
	c.ok(`CREATE "Org \"Alpha\""`)
	if lines := c.ok(`LIST "" "Org*"`); !hasLine(lines, `"Org \"Alpha\""`) {
		t.Errorf("LIST = %q", lines)
	}
	c.appendMsg(`"Org \"Alpha\""`, `\Seen`, msg)
	c.ok(`CREATE "Caf&AOk- \"Alpha\""`)
	c.appendMsg(`"Caf&AOk- \"Alpha\""`, "", msg)
	// Mailbox name as a synchronising literal.
	c.n++
	c.send(fmt.Sprintf("e7 APPEND {11}\r\n"))
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("continuation = %q", l)
	}
	c.send(fmt.Sprintf("Org \"Alpha\" (\\Seen) {%d+}\r\n%s\r\n", len(msg), msg))
	if _, status := c.until("e7"); !strings.HasPrefix(status, "OK [APPENDUID") {
		t.Errorf("APPEND literal name = %q", status)
	}
	lines := c.ok(`STATUS "Org \"Alpha\"" (MESSAGES)`)
	if !hasLine(lines, `* STATUS "Org \"Alpha\"" (MESSAGES 2)`) {
		t.Errorf("STATUS = %q", lines)
	}
}
