package mailauth

import "strings"

// foldWidth is the line length a generated field aims for; RFC 5322,
// section 2.1.1 asks for 78 and allows 998.
const foldWidth = 78

// folder writes a header field, breaking lines only where the caller
// allows folding whitespace: between words and inside base64 values. It
// never breaks inside a tag name, a header field name or a plain value.
type folder struct {
	b   strings.Builder
	col int
}

func newFolder(name string) *folder {
	f := &folder{}
	f.b.WriteString(name)
	f.b.WriteByte(':')
	f.col = len(name) + 1
	return f
}

// word appends w, preceded by a space or, when the line is full, a fold.
// With space unset, w follows directly unless a fold is needed.
func (f *folder) word(w string, space bool) {
	n := len(w)
	if space {
		n++
	}
	if f.col+n > foldWidth && f.col > 1 {
		f.b.WriteString("\r\n ")
		f.col = 1
	} else if space {
		f.b.WriteByte(' ')
		f.col++
	}
	f.b.WriteString(w)
	f.col += len(w)
}

// tagStart appends a space (or a fold when fewer than 8 columns would be
// left after it) and a tag prefix such as "b=", so that a base64 value
// can begin on the same line; removing the value then leaves the prefix.
func (f *folder) tagStart(prefix string) {
	if f.col+1+len(prefix)+8 > foldWidth {
		f.b.WriteString("\r\n ")
		f.col = 1
	} else {
		f.b.WriteByte(' ')
		f.col++
	}
	f.b.WriteString(prefix)
	f.col += len(prefix)
}

// chunks appends a base64 value, folding wherever a line fills up.
func (f *folder) chunks(v string) {
	for v != "" {
		room := foldWidth - f.col
		if room < 1 {
			f.b.WriteString("\r\n ")
			f.col = 1
			room = foldWidth - 1
		}
		n := min(room, len(v))
		f.b.WriteString(v[:n])
		f.col += n
		v = v[n:]
	}
}

// headerList appends an h= tag, allowing folds after each colon.
func (f *folder) headerList(names []string, last bool) {
	for i, n := range names {
		w := n
		switch {
		case i == 0:
			w = "h=" + n
		}
		if i < len(names)-1 {
			w += ":"
		} else if !last {
			w += ";"
		}
		f.word(w, i == 0)
	}
}

func (f *folder) String() string { return f.b.String() + "\r\n" }
