package msgparse

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// xnode is any element of mime4j's expected parse tree.
type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xnode    `xml:",any"`
}

func (n *xnode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// content returns the element that holds an entity's body.
func (n *xnode) content() *xnode {
	for i := range n.Nodes {
		switch n.Nodes[i].XMLName.Local {
		case "multipart", "message", "text-body", "binary-body":
			return &n.Nodes[i]
		}
	}
	return nil
}

// latin1ToUTF8 lets encoding/xml read the ISO-8859-1 expectation files.
func latin1ToUTF8(b []byte) []byte {
	var out bytes.Buffer
	for _, c := range b {
		out.WriteRune(rune(c))
	}
	return out.Bytes()
}

// TestMime4jCorpus compares the part tree of each mime4j message with its
// expected tree, and each leaf's decoded body (Part.BodyReader over the
// stored offsets) with the expected decoded file.
func TestMime4jCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "mime4j", "*", "*.msg"))
	if len(files) == 0 {
		t.Fatal("no mime4j messages found")
	}
	ok, bodies, bodiesOK := 0, 0, 0
	for _, f := range files {
		base := strings.TrimSuffix(f, ".msg")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		xb, err := os.ReadFile(base + "_decoded.xml")
		if err != nil {
			continue
		}
		var root xnode
		if err := xml.Unmarshal(latin1ToUTF8(xb), &root); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m, err := Parse(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("Parse(%s) = %v", f, err)
		}
		c := mime4jCompare{dir: filepath.Dir(f), raw: bytes.NewReader(raw),
			defects: m.Defects}
		c.entity(m.Root, &root, "1")
		bodies += c.bodies
		bodiesOK += c.bodiesOK
		if len(c.diffs) == 0 {
			ok++
		} else if testing.Verbose() {
			t.Logf("%s:\n  %s", f, strings.Join(c.diffs, "\n  "))
		}
	}
	t.Logf("decoded bodies: %d of %d match", bodiesOK, bodies)
	reportMatches(t, "mime4j messages", ok, len(files), 0)
}

type mime4jCompare struct {
	dir              string
	defects          []Defect
	raw              io.ReaderAt
	diffs            []string
	bodies, bodiesOK int
}

func (c *mime4jCompare) fail(format string, args ...any) {
	c.diffs = append(c.diffs, fmt.Sprintf(format, args...))
}

// entity compares a part with a <message> or <body-part> element.
func (c *mime4jCompare) entity(p *Part, n *xnode, path string) {
	body := n.content()
	if body == nil {
		c.fail("%s: no expected body", path)
		return
	}
	switch body.XMLName.Local {
	case "multipart":
		var kids []*xnode
		for i := range body.Nodes {
			if body.Nodes[i].XMLName.Local == "body-part" {
				kids = append(kids, &body.Nodes[i])
			}
		}
		if len(kids) == 0 && slices.Contains(c.defects, DefectEmptyMultipart) {
			return // read as text/plain on purpose: IMAP needs a part
		}
		if !p.IsMultipart() || len(p.Children) != len(kids) {
			c.fail("%s: %s with %d parts, want multipart with %d", path,
				p.MediaType(), len(p.Children), len(kids))
			return
		}
		for i, k := range kids {
			c.entity(p.Children[i], k, fmt.Sprintf("%s.%d", path, i+1))
		}
	case "message":
		if p.Message == nil {
			c.fail("%s: %s is not read as a message", path, p.MediaType())
			return
		}
		c.entity(p.Message.Root, body, path)
	default:
		if p.IsMultipart() || p.Message != nil {
			c.fail("%s: %s, want a leaf", path, p.MediaType())
			return
		}
		c.leaf(p, body, path)
	}
}

func (c *mime4jCompare) leaf(p *Part, n *xnode, path string) {
	want, err := os.ReadFile(filepath.Join(c.dir, n.attr("name")))
	if err != nil {
		c.fail("%s: %v", path, err)
		return
	}
	c.bodies++
	got, err := io.ReadAll(p.BodyReader(c.raw))
	if err != nil {
		c.fail("%s: read body: %v", path, err)
		return
	}
	if !bytes.Equal(got, want) {
		c.fail("%s: body %.60q (%d bytes), want %.60q (%d bytes)", path, got,
			len(got), want, len(want))
		return
	}
	c.bodiesOK++
}
