package msgparse

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
)

// crlf turns a literal written with LF line ends into CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func mustParse(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	checkInvariants(t, "input", m, []byte(raw))
	return m
}

// bodyOf returns the bytes of the part's body, as IMAP BODY[n] sends them.
func bodyOf(raw string, p *Part) string {
	off, n := p.BodyRange()
	return raw[off : off+n]
}

// mimeOf returns the bytes of the part's MIME header, as BODY[n.MIME].
func mimeOf(raw string, p *Part) string {
	off, n := p.MIMERange()
	return raw[off : off+n]
}

// case001 is the message of case 001 (LF line ends; tests use crlf).
const case001 = `From: Carol Example <carol@example.com>
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
`

// case006 is the message of case 006, without its close-delimiter.
const case006 = `From: Mia Example <mia@example.com>
To: Noah Example <noah@example.test>
Subject: report attached
Date: Thu, 03 Dec 2026 15:00:00 +0000
Message-ID: <noclose-0006@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cut-9"

--cut-9
Content-Type: text/plain; charset=us-ascii

Please find the report below.

--cut-9
Content-Type: text/csv; name="report.csv"
Content-Disposition: attachment; filename="report.csv"

region,total
north,17
south,23
`

// case007 is the message of case 007, its header running into the body.
const case007 = `From: Shop Example <receipts@shop.example.com>
To: Olga Example <olga@example.test>
Subject: Your receipt 1042
Date: Mon, 05 Sep 2022 10:00:00 +0000
Content-Type: text/html; charset=utf-8
` + doctype + `
<html><head><title>Receipt</title></head>
<body><p>Total: 12.00</p></body></html>
`

// Case 001: a multipart/alternative keeps the data the BODYSTRUCTURE
// extension fields need: the boundary parameter of the multipart, and per
// leaf the (absent) MD5, disposition, language and location.
func TestCase001BodyStructureExtensionData(t *testing.T) {
	raw := crlf(case001)
	m := mustParse(t, raw)
	r := m.Root
	if r.MediaType() != "multipart/alternative" || r.Params["boundary"] != "b1-7f3a" {
		t.Fatalf("root = %s %v, want multipart/alternative boundary b1-7f3a",
			r.MediaType(), r.Params)
	}
	if len(r.Children) != 2 {
		t.Fatalf("root has %d parts, want 2", len(r.Children))
	}
	tests := []struct {
		part, typ, body string
		lines           int64
	}{
		{"1", "text/plain", "hello\r\n", 1},
		{"2", "text/html", "<p>hello</p>", 1},
	}
	for i, tt := range tests {
		t.Run(tt.part, func(t *testing.T) {
			p := m.Section([]int{i + 1})
			if p.MediaType() != tt.typ || p.Charset != "us-ascii" || p.Encoding != "7bit" {
				t.Errorf("part %s = %s %s %s", tt.part, p.MediaType(), p.Charset, p.Encoding)
			}
			if got := bodyOf(raw, p); got != tt.body {
				t.Errorf("BODY[%s] = %q, want %q", tt.part, got, tt.body)
			}
			if p.Lines != tt.lines || p.Size != int64(len(tt.body)) {
				t.Errorf("part %s size/lines = %d/%d, want %d/%d", tt.part,
					p.Size, p.Lines, len(tt.body), tt.lines)
			}
			if p.MD5 != "" || p.Disposition != "" || p.Language != nil || p.Location != "" {
				t.Errorf("part %s has extension data %q %q %v %q, want none", tt.part,
					p.MD5, p.Disposition, p.Language, p.Location)
			}
		})
	}
}

// The whole kind of case 001: every extension field is carried when the
// header gives it.
func TestBodyStructureExtensionFields(t *testing.T) {
	raw := crlf(`Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain; charset="ISO-8859-1"; format=flowed
Content-ID: <c1@example>
Content-Description: the text
Content-Transfer-Encoding: Quoted-Printable
Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
Content-Disposition: inline; filename=a.txt; size=5
Content-Language: en, de (German)
Content-Location: http://example.com/a.txt

caf=E9
--x--
`)
	m := mustParse(t, raw)
	p := m.Section([]int{1})
	checks := []struct{ name, got, want string }{
		{"type", p.MediaType(), "text/plain"},
		{"charset", p.Charset, "iso-8859-1"},
		{"format", p.Params["format"], "flowed"},
		{"id", p.ID, "<c1@example>"},
		{"description", p.Description, "the text"},
		{"encoding", p.Encoding, "quoted-printable"},
		{"md5", p.MD5, "Q2hlY2sgSW50ZWdyaXR5IQ=="},
		{"disposition", p.Disposition, "inline"},
		{"size", p.DispositionParams["size"], "5"},
		{"filename", p.Filename, "a.txt"},
		{"language", strings.Join(p.Language, ","), "en,de"},
		{"location", p.Location, "http://example.com/a.txt"},
		{"text", p.Text, "café"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
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

// Case 003: the offsets of a message/rfc822 part give BODY[2.MIME] (the
// part's own header), BODY[2.HEADER] and BODY[2.TEXT] (the encapsulated
// message's), BODY[2] (the whole encapsulated message) and BODY[2.1].
func TestCase003SectionsOfEncapsulatedMessage(t *testing.T) {
	raw := crlf(case003)
	m := mustParse(t, raw)
	p := m.Section([]int{2})
	if p == nil || p.Message == nil {
		t.Fatalf("part 2 = %+v, want an encapsulated message", p)
	}
	inner := p.Message.Root
	innerHeader := crlf(`From: Grace Example <grace@example.org>
To: Erin Example <erin@example.com>
Subject: quarterly numbers
Date: Wed, 02 Dec 2026 09:00:00 +0000
Message-ID: <inner-0003@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

`)
	tests := []struct {
		section string
		got     string
		want    string
	}{
		{"2.MIME", mimeOf(raw, p), crlf(
			"Content-Type: message/rfc822\nContent-Disposition: attachment; " +
				"filename=\"numbers.eml\"\n\n")},
		{"2.HEADER", mimeOf(raw, inner), innerHeader},
		{"2.TEXT", bodyOf(raw, inner), "Revenue is up.\r\n"},
		{"2", bodyOf(raw, p), innerHeader + "Revenue is up.\r\n"},
		{"2.1", bodyOf(raw, m.Section([]int{2, 1})), "Revenue is up.\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("BODY[%s] = %q, want %q", tt.section, tt.got, tt.want)
		}
	}
	env := p.Message.Envelope
	if env.Subject != "quarterly numbers" || env.From[0].Addr() != "grace@example.org" {
		t.Errorf("inner envelope = %+v", env)
	}
	if p.Lines != 9 {
		t.Errorf("message/rfc822 lines = %d, want 9", p.Lines)
	}
	if !slices.Contains(m.Attachments, p) {
		t.Errorf("attachments %v do not hold the message/rfc822 part", m.Attachments)
	}
}

// The kind of case 003: section numbers through nested messages and
// multiparts, and non-multipart messages, map to the right parts.
func TestSectionNumbering(t *testing.T) {
	raw := crlf(`Content-Type: multipart/mixed; boundary=o

--o
Content-Type: text/plain

one
--o
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/alternative; boundary=i

--i
Content-Type: text/plain

two
--i
Content-Type: text/html

three
--i--
--o
Content-Type: multipart/related; boundary=r

--r
Content-Type: text/html

four
--r--
--o--
`)
	m := mustParse(t, raw)
	tests := []struct {
		path []int
		body string
	}{
		{[]int{1}, "one"},
		{[]int{2, 1}, "two"},
		{[]int{2, 2}, "three"},
		{[]int{3, 1}, "four"},
	}
	for _, tt := range tests {
		p := m.Section(tt.path)
		if p == nil {
			t.Errorf("Section(%v) = nil", tt.path)
			continue
		}
		if got := bodyOf(raw, p); got != tt.body {
			t.Errorf("Section(%v) body = %q, want %q", tt.path, got, tt.body)
		}
	}
	for _, bad := range [][]int{{4}, {0}, {1, 2}, {2, 3}, {3, 2}} {
		if p := m.Section(bad); p != nil {
			t.Errorf("Section(%v) = %s, want nil", bad, p.MediaType())
		}
	}
	single := mustParse(t, crlf("Subject: x\n\nbody\n"))
	if p := single.Section([]int{1}); p != single.Root {
		t.Errorf("Section(1) of a single-part message = %v, want the root", p)
	}
}

// Case 006: a multipart without its close-delimiter keeps both parts, and
// the truncation is reported, not an error.
func TestCase006MissingCloseDelimiter(t *testing.T) {
	raw := crlf(case006)
	m := mustParse(t, raw)
	if !m.Truncated || !slices.Contains(m.Defects, DefectMissingCloseDelimiter) {
		t.Errorf("Truncated = %v, Defects = %v, want the truncation reported",
			m.Truncated, m.Defects)
	}
	if len(m.Root.Children) != 2 {
		t.Fatalf("%d parts, want 2", len(m.Root.Children))
	}
	csv := m.Section([]int{2})
	if csv.MediaType() != "text/csv" || csv.Disposition != "attachment" ||
		csv.Filename != "report.csv" {
		t.Errorf("part 2 = %s %s %s", csv.MediaType(), csv.Disposition, csv.Filename)
	}
	if got, want := bodyOf(raw, csv), crlf("region,total\nnorth,17\nsouth,23\n"); got != want {
		t.Errorf("BODY[2] = %q, want %q", got, want)
	}
	if len(m.Attachments) != 1 || m.Attachments[0] != csv {
		t.Errorf("attachments = %v, want the csv part", m.Attachments)
	}
	if !strings.Contains(m.SearchText(), "south") {
		t.Errorf("search text %q lacks the attachment text", m.SearchText())
	}
	if m.Preview != "Please find the report below." {
		t.Errorf("Preview = %q", m.Preview)
	}
}

// The kind of case 006: truncation at every depth and in every state
// (inside a header, a preamble, a nested multipart) still parses.
func TestTruncatedMultiparts(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		parts int
	}{
		{"in preamble", "Content-Type: multipart/mixed; boundary=a\n\npreamble\n", 1},
		{"in part header",
			"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: te", 1},
		{"nested", "Content-Type: multipart/mixed; boundary=a\n\n--a\n" +
			"Content-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--b\n\ny\n", 1},
		{"outer closes inner", "Content-Type: multipart/mixed; boundary=a\n\n--a\n" +
			"Content-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--a\n\nz\n--a--\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if len(m.Root.Children) != tt.parts {
				t.Errorf("%d parts, want %d", len(m.Root.Children), tt.parts)
			}
			if !m.Truncated && tt.parts > 0 {
				t.Errorf("Truncated = false, want true")
			}
		})
	}
}

// doctype is the first body line of case 007; it holds a colon.
const doctype = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" ` +
	`"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">`

// Case 007: a header that runs into the body without a blank line ends at
// the first line that is not a header field.
func TestCase007HeaderWithoutBlankLine(t *testing.T) {
	raw := crlf(case007)
	m := mustParse(t, raw)
	if m.Subject != "Your receipt 1042" || m.Root.MediaType() != "text/html" {
		t.Errorf("Subject %q type %s", m.Subject, m.Root.MediaType())
	}
	if !strings.HasPrefix(bodyOf(raw, m.Root), "<!DOCTYPE html") {
		t.Errorf("body = %q, want it to start at the DOCTYPE line", bodyOf(raw, m.Root))
	}
	if !slices.Contains(m.Defects, DefectNoHeaderSeparator) {
		t.Errorf("Defects = %v, want %v", m.Defects, DefectNoHeaderSeparator)
	}
	if !strings.Contains(m.SearchText(), "Total: 12.00") || m.Preview != "Total: 12.00" {
		t.Errorf("search text %q, preview %q", m.SearchText(), m.Preview)
	}
}

// The kind of case 007: headers ended by junk, by a boundary, by the end
// of input, or missing altogether.
func TestHeaderEnds(t *testing.T) {
	tests := []struct {
		name, raw, body string
		subject         string
	}{
		{"no header", "just text\nmore\n", "just text\nmore\n", ""},
		{"end of input", "Subject: s", "", "s"},
		{"end after field", "Subject: s\n", "", "s"},
		{"junk line", "Subject: s\nnot a field\nrest\n", "not a field\nrest\n", "s"},
		{"space in name", "Subject: s\nbad name: x\n", "bad name: x\n", "s"},
		{"folded", "Subject: a\n b\n\tc\n\nbody", "body", "a b c"},
		{"mbox From line", "From someone Thu Dec  3 10:00:00 2026\nSubject: s\n\nb", "b", "s"},
		{"leading continuation", " stray\nSubject: s\n\nb", "b", "s"},
		{"LF only", "Subject: s\n\nbody\n", "body\n", "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if got := bodyOf(tt.raw, m.Root); got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
		})
	}
	// A boundary line ends a part's header too.
	raw := "Content-Type: multipart/mixed; boundary=a\n\n--a\n" +
		"Content-Type: text/html\n--a\n\nx\n--a--\n"
	m := mustParse(t, raw)
	if len(m.Root.Children) != 2 || m.Root.Children[0].MediaType() != "text/html" ||
		m.Root.Children[0].Size != 0 {
		t.Errorf("parts = %+v", m.Root.Children)
	}
}

// Case 033: the four ways to give an attachment name, RFC 2231 included,
// all decode to the same name.
func TestCase033RFC2231Filenames(t *testing.T) {
	tests := []struct {
		headers, want string
	}{
		{"Content-Type: application/octet-stream\nContent-Disposition: attachment; " +
			`filename="invoice.exe"`, "invoice.exe"},
		{"Content-Type: application/octet-stream\nContent-Disposition: attachment; " +
			"filename*=utf-8''invoice.exe", "invoice.exe"},
		{"Content-Type: application/octet-stream\nContent-Disposition: attachment; " +
			`filename*0="invo"; filename*1="ice.exe"`, "invoice.exe"},
		{"Content-Type: application/octet-stream; name*=UTF-8''%E2%82%ACinvoice.exe",
			"€invoice.exe"},
		// The rest of the kind: charsets, continuations mixing encoded and
		// plain sections, out-of-order sections, RFC 2047 in a quoted name.
		{"Content-Type: application/pdf; name*0*=iso-8859-1'fr'r%E9sum; name*1=\"e.pdf\"",
			"résume.pdf"},
		{"Content-Type: application/pdf; name*1=\"b.pdf\"; name*0=\"a\"", "ab.pdf"},
		{"Content-Type: application/pdf\nContent-Disposition: attachment;\n" +
			" filename=\"=?utf-8?B?w6kuZXhl?=\"", "é.exe"},
		{"Content-Type: application/pdf; name=plain.pdf; name*=utf-8''ext.pdf", "ext.pdf"},
		{"Content-Type: application/pdf; name*=koi8-r''%F0%D2%C9.exe", "При.exe"},
		{"Content-Type: application/pdf; name=unquoted name.exe", "unquoted name.exe"},
	}
	for i, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			raw := crlf("From: Walt Example <walt@example.com>\nSubject: invoice\n" +
				"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n" +
				"--zz\nContent-Type: text/plain\n\nsee attached\n\n--zz\n" + tt.headers +
				"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n--zz--\n")
			m := mustParse(t, raw)
			if len(m.Attachments) != 1 {
				t.Fatalf("case %d: %d attachments, want 1", i, len(m.Attachments))
			}
			a := m.Attachments[0]
			if a.Filename != tt.want {
				t.Errorf("Filename = %q, want %q", a.Filename, tt.want)
			}
			body, err := io.ReadAll(a.BodyReader(strings.NewReader(raw)))
			if err != nil || !bytes.HasPrefix(body, []byte("MZ")) {
				t.Errorf("decoded body = %q, %v; want it to start with MZ", body, err)
			}
		})
	}
}

// An encoded message/rfc822 (forbidden by RFC 2046 section 5.2.1) still
// gets a Message with the envelope of the decoded message and an opaque
// structure over the encoded bytes; those bytes decode to the message.
func TestEncodedMessagePart(t *testing.T) {
	raw := crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n" +
		"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
		"U3ViamVjdDogaW5uZXIKCmJvZHkK\n--b--\n")
	m := mustParse(t, raw)
	p := m.Section([]int{1})
	if p.Message == nil || p.Message.Root.MediaType() != "text/plain" ||
		p.Message.Root.Lines != p.Lines {
		t.Fatalf("part 1 Message = %+v, want an opaque stand-in", p.Message)
	}
	if !slices.Contains(m.Defects, DefectEncodedMessage) || p.Lines != 1 {
		t.Errorf("Defects = %v, Lines = %d", m.Defects, p.Lines)
	}
	if p.Message.Envelope.Subject != "inner" || p.Message.Preview != "body" {
		t.Errorf("encoded message envelope %+v, preview %q; want them read from the "+
			"decoded body", p.Message.Envelope, p.Message.Preview)
	}
	body, _ := io.ReadAll(p.BodyReader(strings.NewReader(raw)))
	inner := mustParse(t, string(body))
	if inner.Subject != "inner" {
		t.Errorf("decoded inner Subject = %q, want %q", inner.Subject, "inner")
	}
}

// Boundaries far beyond RFC 2046's 70 characters, and longer than the
// read buffer, still delimit parts.
func TestLongBoundary(t *testing.T) {
	for _, n := range []int{70, 5000, 20000} {
		b := strings.Repeat("b", n)
		raw := "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n\n--" + b +
			"\n\none\n--" + b + "\n\ntwo\n--" + b + "--\n"
		m := mustParse(t, raw)
		if len(m.Root.Children) != 2 || bodyOf(raw, m.Root.Children[1]) != "two" {
			t.Errorf("boundary of %d: %d parts", n, len(m.Root.Children))
		}
	}
}
