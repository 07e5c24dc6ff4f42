package msgparse

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// trace is what a delivery puts before a message: the Return-Path and a
// folded Received field, ahead of any mbox "From " line the message has.
const trace = "Return-Path: <a@b.example>\r\n" +
	"Received: from x.example by y.example;\r\n\tThu, 3 Dec 2026 15:00:00 +0000\r\n"

// An mbox "From " separator line is passed over wherever it stands in a
// header block: at the top, after trace fields a delivery prepended, or
// at the top of an encapsulated message; a field whose name is followed
// by white space ("From  : x", RFC 5322 section 4.5.3) stays a field.
func TestMboxFromLine(t *testing.T) {
	const fromLine = "From mike@nowhere.com Tue May 10 11:28:07 2005\n"
	const msg = "Subject: hello\nMessage-ID: <1@x>\n" +
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\n"
	tests := []struct {
		name, raw string
		subject   string
		parts     int
	}{
		{"at the top", fromLine + msg, "hello", 1},
		{"at the top CRLF", crlf(fromLine + msg), "hello", 1},
		{"without a date", "From mike@nowhere.com\n" + msg, "hello", 1},
		{"after trace fields", trace + crlf(fromLine+msg), "hello", 1},
		{"between fields", "Subject: hello\n" + fromLine + "To: a@b\n\nx\n", "hello", 0},
		{"only line before the blank line", fromLine + "\nbody\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if m.Subject != tt.subject || len(m.Root.Children) != tt.parts {
				t.Fatalf("Subject %q, %s with %d parts; want %q, %d parts", m.Subject,
					m.Root.MediaType(), len(m.Root.Children), tt.subject, tt.parts)
			}
			if slices.Contains(m.Defects, DefectNoHeaderSeparator) {
				t.Errorf("Defects = %v: the From line ended the header", m.Defects)
			}
		})
	}

	// In an encapsulated message, as mail clients forward mbox files.
	raw := crlf("Content-Type: multipart/mixed; boundary=o\n\n--o\n" +
		"Content-Type: message/rfc822\n\n" + fromLine + msg + "--o--\n")
	inner := mustParse(t, raw).Section([]int{1}).Message
	if inner.Subject != "hello" || inner.MessageID != "1@x" ||
		inner.Root.MediaType() != "multipart/mixed" || len(inner.Root.Children) != 1 {
		t.Errorf("inner message %q %q %s, want its header read past the From line",
			inner.Subject, inner.MessageID, inner.Root.MediaType())
	}

	// A From field with white space before its colon is a field.
	m := mustParse(t, "From  : John Doe <jdoe@example.com>\nSubject: s\n\nb")
	if len(m.From) != 1 || m.From[0].Addr() != "jdoe@example.com" || m.Subject != "s" {
		t.Errorf("From = %+v, Subject %q", m.From, m.Subject)
	}

	// ">From " is no separator (Python's email package agrees): the
	// header ends there and the line starts the body.
	quoted := ">From mike@nowhere.com Tue May 10\nSubject: s\n\nb"
	m = mustParse(t, quoted)
	if m.Subject != "" || !strings.HasPrefix(bodyOf(quoted, m.Root), ">From") {
		t.Errorf("Subject %q: a >From line was read as a separator", m.Subject)
	}
}

// A multipart that has no body parts keeps its type and gets one
// text/plain part over its preamble: the boundary parameter is
// missing, no delimiter line comes, only the close-delimiter comes, or an
// outer delimiter ends an inner multipart before its first delimiter.
func TestEmptyMultipart(t *testing.T) {
	tests := []struct {
		name, raw string
		path      []int // the multipart without body parts
		body      string
		text      string
		lines     int64
		defect    Defect
	}{
		{"no boundary parameter",
			"Content-Type: multipart/report\n\nsome text\nmore\n",
			nil, "some text\nmore\n", "some text\nmore\n", 2, DefectMissingBoundary},
		{"no delimiter line",
			"Content-Type: multipart/alternative; boundary=zz\n\nonly text\n",
			nil, "only text\n", "only text\n", 1, DefectEmptyMultipart},
		{"only the close-delimiter",
			"Content-Type: multipart/mixed; boundary=BBB\n\n--BBB--\n",
			nil, "", "", 0, DefectEmptyMultipart},
		{"inner ended by the outer delimiter",
			crlf("Content-Type: multipart/mixed; boundary=outer\n\n--outer\n\nFoo\n" +
				"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n" +
				"AAA\n\n--outer--\n"),
			[]int{2}, "AAA\r\n", "AAA\r\n", 1, DefectEmptyMultipart},
		{"encapsulated message with a header only",
			"Content-Type: multipart/mixed; boundary=o\n\n--o\n" +
				"Content-Type: message/rfc822\n\nSubject: fwd\n" +
				"Content-Type: multipart/alternative; boundary=x\n--o--\n",
			[]int{1}, "", "", 0, DefectEmptyMultipart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			mp := m.Root
			if tt.path != nil {
				mp = m.Section(tt.path)
				if mp.Message != nil {
					mp = mp.Message.Root
				}
			}
			if !mp.IsMultipart() || len(mp.Children) != 1 {
				t.Fatalf("%s with %d parts, want a multipart with one part",
					mp.MediaType(), len(mp.Children))
			}
			p := mp.Children[0]
			if p.MediaType() != "text/plain" || p.Charset != "us-ascii" ||
				p.HeaderStart != mp.BodyStart {
				t.Errorf("part %s %s at %d, want text/plain at %d", p.MediaType(),
					p.Charset, p.HeaderStart, mp.BodyStart)
			}
			if got := bodyOf(tt.raw, p); got != tt.body || p.Text != tt.text ||
				p.Lines != tt.lines || mp.Lines != 0 || mp.Text != "" {
				t.Errorf("body %q text %q lines %d (multipart %d); want %q %q %d",
					got, p.Text, p.Lines, mp.Lines, tt.body, tt.text, tt.lines)
			}
			if !slices.Contains(m.Defects, tt.defect) {
				t.Errorf("Defects = %v, want %v", m.Defects, tt.defect)
			}
		})
	}
}

// A message/rfc822 body with a transfer encoding is, as stored, a message
// without a header; its structure is the RFC 2045 default, text/plain,
// whatever the decoded header says, and its envelope is read from the
// decoded header. Nested encodings and quoted-printable alike.
func TestEncodedMessageRoot(t *testing.T) {
	tests := []struct {
		name, raw, subject string
	}{
		{"base64 multipart inside",
			"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
				"U3ViamVjdDogaW5uZXIKQ29udGVudC1UeXBlOiBtdWx0aXBhcnQvbWl4ZWQ7IGJvdW5k\n" +
				"YXJ5PWIKCi0tYgoKeAotLWItLQo=\n", "inner"},
		{"quoted-printable",
			"Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"Subject: =3Dqp\n\nbody=\n text\n", "=qp"},
		{"undecodable", "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
			"!!!!\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			in := m.Root.Message
			if in == nil || in.Root.MediaType() != "text/plain" || in.Root.Charset != "us-ascii" ||
				in.Root.Encoding != "" || in.Root.Lines != m.Root.Lines ||
				len(in.Root.Children) != 0 {
				t.Fatalf("encapsulated root %+v, want a text/plain leaf", in)
			}
			if in.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", in.Subject, tt.subject)
			}
			if !slices.Contains(m.Defects, DefectEncodedMessage) {
				t.Errorf("Defects = %v", m.Defects)
			}
		})
	}
}

// Where RFC 2046 section 5.1.1 leaves room, delimiters are read the way
// mime4j and Dovecot read them (Python's email package differs): the
// boundary need only begin the line; a boundary line directly after
// another opens an empty part; a nested multipart that reuses the outer
// boundary takes the delimiters first (innermost first); among boundaries
// that prefix one another the longest wins.
func TestDelimiterChoices(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"text after the boundary",
			"Content-Type: multipart/mixed; boundary=b\n\n--b ignored\n\none\n--b-- x\n",
			"multipart/mixed(text/plain)"},
		{"doubled delimiter",
			"Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n\none\n--b--\n",
			"multipart/mixed(text/plain text/plain)"},
		{"inner reuses the outer boundary",
			"Content-Type: multipart/mixed; boundary=b\n\n--b\n" +
				"Content-Type: multipart/alternative; boundary=b\n\n--b\n\nt\n--b\n" +
				"Content-Type: text/html\n\nh\n--b--\n\n--b\nContent-Type: image/gif\n\n" +
				"g\n--b--\n",
			"multipart/mixed(multipart/alternative(text/plain text/html) image/gif)"},
		{"longest prefix wins",
			"Content-Type: multipart/mixed; boundary=\"a--\"\n\n--a--\n" +
				"Content-Type: multipart/mixed; boundary=\"a----\"\n\n--a----\n\nbody\n" +
				"--a------\n--a----\n",
			"multipart/mixed(multipart/mixed(text/plain))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := treeOf(mustParse(t, tt.raw).Root); got != tt.want {
				t.Errorf("tree %s, want %s", got, tt.want)
			}
		})
	}
}

// treeOf writes a part tree as "type(child child)".
func treeOf(p *Part) string {
	if len(p.Children) == 0 {
		return p.MediaType()
	}
	kids := make([]string, len(p.Children))
	for i, c := range p.Children {
		kids[i] = treeOf(c)
	}
	return p.MediaType() + "(" + strings.Join(kids, " ") + ")"
}

// The corpus messages that showed each fault, as stored and as delivered
// (trace fields before an mbox From line): their subjects begin as
// expected and their trees are as expected.
func TestStructureCorpus(t *testing.T) {
	tests := []struct{ file, subject, tree string }{
		{"ruby-mail/plain_emails/raw_email_simple.eml", "Testing outlook", "text/plain"},
		{"ruby-mail/attachment_emails/attachment_pdf.eml", "Another PDF with",
			"multipart/mixed(text/plain application/pdf)"},
		{"mime4j/mimetools-testmsgs/uu-junk.msg", "mime::parser",
			"multipart/mixed(text/plain text/plain)"},
		{"mime4j/mimetools-testmsgs/twopart.msg", "",
			"multipart/mixed(text/plain image/jpeg)"},
		{"cpython-email/msg_43.txt", "Banned file: auto__mail.python.bat in mail from you",
			"multipart/report(text/plain message/delivery-status text/rfc822-headers)"},
		{"ruby-mail/rfc2822/example14.eml", "Re: TEST", "text/plain"},
		{"mime4j/testmsgs/missing-inner-boundary.msg", "",
			"multipart/mixed(text/plain multipart/alternative(text/plain))"},
		{"mime4j/testmsgs/base64encoded-rfc822message.msg",
			"a simple rfc822 message encoded in a base64 body.", "message/rfc822"},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join(corpusDir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, prefix := range []string{"", trace} {
			m := mustParse(t, prefix+string(raw))
			if !strings.HasPrefix(m.Subject, tt.subject) || treeOf(m.Root) != tt.tree {
				t.Errorf("%s (%d bytes before): %q %s, want %q %s", tt.file, len(prefix),
					m.Subject, treeOf(m.Root), tt.subject, tt.tree)
			}
		}
	}

	// The forwarded message keeps its own structure.
	raw, err := os.ReadFile(filepath.Join(corpusDir,
		"ruby-mail/attachment_emails/attachment_message_rfc822.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, string(raw))
	in := m.Section([]int{2}).Message
	const want = "multipart/mixed(text/plain application/pdf)"
	if in.Subject != "Another PDF" || treeOf(in.Root) != want {
		t.Errorf("forwarded message %q %s", in.Subject, treeOf(in.Root))
	}
	body, _ := io.ReadAll(in.Root.Children[1].BodyReader(strings.NewReader(string(raw))))
	if !strings.HasPrefix(string(body), "%PDF") {
		t.Errorf("forwarded PDF starts %.8q", body)
	}
}
