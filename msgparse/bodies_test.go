package msgparse

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// partNames lists the parts by their Content-Description, the labels the
// classification tests give them.
func partNames(ps []*Part) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Description)
	}
	return strings.Join(names, ",")
}

// mimeTree builds a message from a compact description: each leaf is
// "type/subtype:label[:disposition[:filename]]", a multipart is
// "multipart/sub(child|child...)".
func mimeTree(spec string) string {
	var sb strings.Builder
	n := 0
	var write func(spec string)
	write = func(spec string) {
		if i := strings.IndexByte(spec, '('); i > 0 {
			n++
			b := fmt.Sprintf("b%d", n)
			fmt.Fprintf(&sb, "Content-Type: %s; boundary=%s\n\n", spec[:i], b)
			for _, c := range splitTop(spec[i+1 : len(spec)-1]) {
				fmt.Fprintf(&sb, "--%s\n", b)
				write(c)
			}
			fmt.Fprintf(&sb, "--%s--\n", b)
			return
		}
		f := strings.Split(spec, ":")
		fmt.Fprintf(&sb, "Content-Type: %s\nContent-Description: %s\n", f[0], f[1])
		if len(f) > 2 {
			fmt.Fprintf(&sb, "Content-Disposition: %s", f[2])
			if len(f) > 3 {
				fmt.Fprintf(&sb, "; filename=%s", f[3])
			}
			sb.WriteString("\n")
		}
		fmt.Fprintf(&sb, "\nbody of %s\n", f[1])
	}
	write(spec)
	return sb.String()
}

// splitTop splits at "|" outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// TestBodyClassification checks the RFC 8621 section 4.1.4 algorithm.
func TestBodyClassification(t *testing.T) {
	tests := []struct {
		name, tree, text, html, att string
	}{
		{"single text", "text/plain:t", "t", "t", ""},
		{"single html", "text/html:h", "h", "h", ""},
		{"alternative", "multipart/alternative(text/plain:t|text/html:h)", "t", "h", ""},
		{"mixed with attachment",
			"multipart/mixed(text/plain:t|application/pdf:a:attachment:a.pdf)", "t", "t", "a"},
		{"related html with image",
			"multipart/alternative(text/plain:t|" +
				"multipart/related(text/html:h|image/png:i::i.png))",
			"t", "h", "i"},
		{"inline image in mixed", "multipart/mixed(text/plain:t|image/png:i:inline)",
			"t,i", "t,i", ""},
		{"text after attachment", "multipart/mixed(text/plain:a|application/zip:z|text/plain:b)",
			"a,b", "a,b", "z"},
		{"alternative missing html",
			"multipart/mixed(multipart/alternative(text/plain:t)|text/plain:u)", "t,u", "t,u", ""},
		{"html only alternative fill",
			"multipart/alternative(text/plain:t|multipart/mixed(text/html:h|image/gif:g))",
			"t", "h,g", "g"},
		{"text with filename is attachment after first",
			"multipart/mixed(text/plain:t|text/plain:n::notes.txt)", "t", "t", "n"},
		{"rfc822 is attachment", "multipart/mixed(text/plain:t|message/rfc822:m)", "t", "t", "m"},
		{"attachment disposition on first", "text/plain:t:attachment", "", "", "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, mimeTree(tt.tree))
			got := [3]string{partNames(m.TextBody), partNames(m.HTMLBody),
				partNames(m.Attachments)}
			want := [3]string{tt.text, tt.html, tt.att}
			if got != want {
				t.Errorf("text/html/attachments = %q, want %q\n%s", got, want, mimeTree(tt.tree))
			}
		})
	}
}

func TestPreview(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"text", "Subject: x\n\n  Hello,\n\n  world  \n", "Hello, world"},
		{"html only", "Content-Type: text/html\n\n<html><head><title>T</title>" +
			"<style>p{}</style></head><body><p>Hi &amp; bye</p><script>x()</script></body>",
			"Hi & bye"},
		{"qp text", "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9=\n au lait",
			"café au lait"},
		{"charset", "Content-Type: text/plain; charset=iso-8859-1\n\n\xe9t\xe9", "été"},
		{"empty", "Subject: x\n\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			if m.Preview != tt.want {
				t.Errorf("Preview = %q, want %q", m.Preview, tt.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a</p><p>b</p>", "\na\n\nb\n"},
		{"x<br>y", "x\ny"},
		{"<!-- c -->t&eacute;", "té"},
		{"<style>a{}</style><script>b</script>c", "c"},
		{"unclosed <b", "unclosed "},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBodyReaders decodes parts from the raw bytes by their offsets.
func TestBodyReaders(t *testing.T) {
	raw := crlf(`Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

caf=E9 =
au lait=20
next line
--b
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

aGVs
bG8g!!d29y
bGQ=
--b
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: base64

8NLJ18XU
--b
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-uuencode

begin 644 a.txt
%:&5L;&\\
` + "`" + `
end
--b
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

plain
--b--
`)
	m := mustParse(t, raw)
	r := strings.NewReader(raw)
	tests := []struct {
		part       int
		binary     string
		text       string
		searchText string
	}{
		{1, "caf\xe9 au lait \r\nnext line", "café au lait \r\nnext line", "café au lait"},
		{2, "hello world", "hello world", ""},
		{3, "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", "Привет"},
		{4, "hello", "hello", ""},
		{5, "plain", "plain", "plain"},
	}
	for _, tt := range tests {
		p := m.Section([]int{tt.part})
		b, err := io.ReadAll(p.BodyReader(r))
		if err != nil || string(b) != tt.binary {
			t.Errorf("part %d BodyReader = %q, %v; want %q", tt.part, b, err, tt.binary)
		}
		s, cut, err := p.ReadText(r, 0)
		if err != nil || s != tt.text || cut {
			t.Errorf("part %d ReadText = %q, %v, %v; want %q", tt.part, s, cut, err, tt.text)
		}
		if p.Type == "text" {
			tr, _ := io.ReadAll(p.TextReader(r))
			if string(tr) != tt.text {
				t.Errorf("part %d TextReader = %q, want %q", tt.part, tr, tt.text)
			}
			if !strings.Contains(p.Text, tt.searchText) {
				t.Errorf("part %d Text = %q, want it to hold %q", tt.part, p.Text, tt.searchText)
			}
		}
	}
}

// TestReadTextCap cuts text at maxBodyValueBytes on a character boundary.
func TestReadTextCap(t *testing.T) {
	raw := crlf("Content-Type: text/plain; charset=iso-8859-1\n" +
		"Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait=20\nnext line")
	m := mustParse(t, raw)
	r := strings.NewReader(raw)
	for _, c := range []struct {
		max  int
		want string
		cut  bool
	}{
		{3, "caf", true},
		{4, "caf", true}, // "é" takes two bytes in UTF-8
		{5, "café", true},
		{100, "café au lait \r\nnext line", false},
	} {
		s, cut, _ := m.Root.ReadText(r, c.max)
		if s != c.want || cut != c.cut {
			t.Errorf("ReadText(max %d) = %q, %v; want %q, %v", c.max, s, cut, c.want, c.cut)
		}
	}
}
