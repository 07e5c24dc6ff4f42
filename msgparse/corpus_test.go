package msgparse

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir is the shared message corpus, beside the repository.
const corpusDir = "../../shared/testdata/messages"

// corpusFiles lists the message files of the corpus (every file that is
// not an expectation, licence or catalogue).
func corpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch filepath.Ext(path) {
		case ".eml", ".msg", ".mbox":
			files = append(files, path)
		case ".txt":
			base := filepath.Base(path)
			if !strings.Contains(base, "_decoded_") && !strings.Contains(base, "LICENSE") &&
				base != "README.txt" {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk corpus: %v", err)
	}
	if len(files) < 300 {
		t.Fatalf("corpus has %d messages, want about 340", len(files))
	}
	return files
}

// TestCorpusParses parses every corpus message and checks the invariants
// every result must keep, whatever the input.
func TestCorpusParses(t *testing.T) {
	files := corpusFiles(t)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("Parse(%s) = %v", f, err)
			continue
		}
		checkInvariants(t, f, m, raw)
	}
	t.Logf("%d corpus messages parsed", len(files))
}

// checkInvariants asserts what holds for every parse: sizes, nested
// offsets, and a lossless round trip of the stored form.
func checkInvariants(t *testing.T, name string, m *Message, raw []byte) {
	t.Helper()
	if m.Size != int64(len(raw)) {
		t.Errorf("%s: Size = %d, want %d", name, m.Size, len(raw))
	}
	if m.Root == nil {
		t.Fatalf("%s: no root part", name)
	}
	checkPart(t, name, m.Root, 0, m.Size)
	enc, err := m.MarshalBinary()
	if err != nil {
		t.Fatalf("%s: MarshalBinary: %v", name, err)
	}
	var back Message
	if err := back.UnmarshalBinary(enc); err != nil {
		t.Fatalf("%s: UnmarshalBinary: %v", name, err)
	}
	want := stripText(m)
	if !reflect.DeepEqual(&back, want) {
		t.Errorf("%s: stored form does not round-trip", name)
	}
}

// checkPart asserts that the part's offsets are ordered and inside its
// parent's span, recursively.
func checkPart(t *testing.T, name string, p *Part, lo, hi int64) {
	t.Helper()
	if !(lo <= p.HeaderStart && p.HeaderStart <= p.BodyStart &&
		p.BodyStart <= p.End && p.End <= hi) {
		t.Errorf("%s: part %s offsets %d/%d/%d outside [%d,%d]", name,
			p.MediaType(), p.HeaderStart, p.BodyStart, p.End, lo, hi)
	}
	if p.Size != p.End-p.BodyStart {
		t.Errorf("%s: part size %d, want %d", name, p.Size, p.End-p.BodyStart)
	}
	if p.IsMultipart() && len(p.Children) == 0 {
		// IMAP cannot express a multipart without parts; only a body that
		// ended before its first delimiter leaves one.
		t.Logf("%s: multipart without parts", name)
	}
	prev := p.BodyStart
	for _, c := range p.Children {
		checkPart(t, name, c, prev, p.End)
		prev = c.End
	}
	if p.Message != nil {
		if p.Message.Root.HeaderStart != p.BodyStart {
			t.Errorf("%s: encapsulated message starts at %d, want %d", name,
				p.Message.Root.HeaderStart, p.BodyStart)
		}
		checkPart(t, name, p.Message.Root, p.BodyStart, p.End)
	}
}

// stripText returns a copy of m without what the stored form omits.
func stripText(m *Message) *Message {
	c := *m
	c.Root = stripPartText(m.Root, map[*Part]*Part{})
	return remap(&c, m)
}

func stripPartText(p *Part, seen map[*Part]*Part) *Part {
	c := *p
	c.Text, c.TextTruncated = "", false
	seen[p] = &c
	c.Children = nil
	for _, k := range p.Children {
		c.Children = append(c.Children, stripPartText(k, seen))
	}
	if p.Message != nil {
		c.Message = stripText(p.Message)
	}
	return &c
}

// remap points the body lists of c at c's copied parts.
func remap(c, m *Message) *Message {
	index := map[*Part]*Part{}
	var walk func(o, n *Part)
	walk = func(o, n *Part) {
		index[o] = n
		for i := range o.Children {
			walk(o.Children[i], n.Children[i])
		}
	}
	walk(m.Root, c.Root)
	conv := func(l []*Part) []*Part {
		if l == nil {
			return nil
		}
		out := make([]*Part, len(l))
		for i, p := range l {
			out[i] = index[p]
		}
		return out
	}
	c.TextBody, c.HTMLBody, c.Attachments = conv(m.TextBody), conv(m.HTMLBody), conv(m.Attachments)
	return c
}

// TestLineEndingsAgree parses every corpus message as stored and with each
// bare LF turned into CRLF: the trees, line counts, names and texts must
// agree, whatever the line ending.
func TestLineEndingsAgree(t *testing.T) {
	for _, f := range corpusFiles(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		conv := bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")),
			[]byte("\n"), []byte("\r\n"))
		a, errA := Parse(bytes.NewReader(raw))
		b, errB := Parse(bytes.NewReader(conv))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", f, errA, errB)
		}
		if sa, sb := shape(a.Root), shape(b.Root); sa != sb {
			t.Errorf("%s: tree\n %s\nwith CRLF\n %s", f, sa, sb)
		}
	}
}

// shape describes a tree by types, line counts, names and text lengths
// with line ends normalised.
func shape(p *Part) string {
	var sb strings.Builder
	p.Walk(func(q *Part) bool {
		text := strings.ReplaceAll(q.Text, "\r\n", "\n")
		if q.Encoding == "binary" {
			text = "" // turning LF into CRLF changes binary data
		}
		fmt.Fprintf(&sb, "(%s %d %q %d %d)", q.MediaType(), q.Lines, q.Filename,
			len(text), len(q.Children))
		return true
	})
	return sb.String()
}
