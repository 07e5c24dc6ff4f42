package wire

import (
	"bufio"
	"strconv"
	"strings"
)

// Section is a body section specifier (RFC 9051 section 6.4.5): a part
// path and an optional HEADER, HEADER.FIELDS[.NOT], TEXT or MIME.
type Section struct {
	Path      []int
	Specifier string // "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"
	Fields    []string
}

// String renders the section as it appears between brackets.
func (s Section) String() string {
	var sb strings.Builder
	for i, p := range s.Path {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(strconv.Itoa(p))
	}
	if s.Specifier != "" {
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(s.Specifier)
	}
	if strings.HasPrefix(s.Specifier, "HEADER.FIELDS") {
		sb.WriteString(" (")
		for i, f := range s.Fields {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(quoteIfNeeded(f))
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

func quoteIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if !isAStringChar(s[i]) {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// Partial is a "<origin.count>" suffix.
type Partial struct {
	Offset, Count uint32
}

// FetchItem is one fetch attribute (RFC 9051 section 6.4.5; BINARY from
// RFC 3516, MODSEQ from RFC 7162, EMAILID/THREADID from RFC 8474,
// PREVIEW from RFC 8970).
type FetchItem struct {
	Name    string // upper case: "FLAGS", "BODY[]", "BINARY[]", "BINARY.SIZE", ...
	Section Section
	Peek    bool
	Partial *Partial
	Lazy    bool // PREVIEW (LAZY)
}

// IsBody reports whether the item fetches body octets.
func (f FetchItem) IsBody() bool {
	return f.Name == "BODY[]" || f.Name == "BINARY[]" || f.Name == "BINARY.SIZE"
}

// ParseFetchItems reads the fetch attribute(s) of a FETCH command: a
// macro, a single attribute or a parenthesised list.
func ParseFetchItems(d *Decoder) ([]FetchItem, error) {
	if b, _ := d.Peek(); b == '(' {
		var items []FetchItem
		err := d.List(0, func() error {
			it, err := parseFetchItem(d)
			items = append(items, it)
			return err
		})
		return items, err
	}
	it, err := parseFetchItem(d)
	if err != nil {
		return nil, err
	}
	switch it.Name {
	case "ALL":
		return macro("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"), nil
	case "FAST":
		return macro("FLAGS", "INTERNALDATE", "RFC822.SIZE"), nil
	case "FULL":
		return macro("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"), nil
	}
	return []FetchItem{it}, nil
}

func macro(names ...string) []FetchItem {
	out := make([]FetchItem, len(names))
	for i, n := range names {
		out[i] = FetchItem{Name: n}
	}
	return out
}

func isFetchNameChar(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '.'
}

func parseFetchItem(d *Decoder) (FetchItem, error) {
	name, err := d.readWhile(isFetchNameChar)
	if err != nil {
		return FetchItem{}, err
	}
	name = strings.ToUpper(name)
	var it FetchItem
	switch name {
	case "ALL", "FAST", "FULL", "FLAGS", "UID", "ENVELOPE", "BODYSTRUCTURE",
		"INTERNALDATE", "RFC822.SIZE", "RFC822", "RFC822.HEADER", "RFC822.TEXT",
		"MODSEQ", "EMAILID", "THREADID", "SAVEDATE":
		it.Name = name
		if name == "BODY" || !d.Accept('[') {
			return it, nil
		}
		return it, syntaxf("unexpected [ after %s", name)
	case "PREVIEW":
		it.Name = name
		// "PREVIEW (LAZY)" is only recognised in its exact form.
		if d.HasPrefixFold(" (LAZY)") {
			for range 7 {
				_, _ = d.readByte()
			}
			it.Lazy = true
		}
		return it, nil
	case "BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE":
	default:
		if name == "" {
			return it, syntaxf("expected fetch attribute")
		}
		return it, syntaxf("unknown fetch attribute %s", name)
	}
	if !d.Accept('[') {
		if name == "BODY" {
			return FetchItem{Name: "BODY"}, nil
		}
		return it, syntaxf("%s needs a section", name)
	}
	it.Peek = strings.HasSuffix(name, ".PEEK")
	switch {
	case strings.HasPrefix(name, "BODY"):
		it.Name = "BODY[]"
	case name == "BINARY.SIZE":
		it.Name = "BINARY.SIZE"
	default:
		it.Name = "BINARY[]"
	}
	if it.Section, err = parseSection(d, it.Name != "BODY[]"); err != nil {
		return it, err
	}
	if d.Accept('<') {
		if it.Name == "BINARY.SIZE" {
			return it, syntaxf("BINARY.SIZE takes no partial range")
		}
		p := &Partial{}
		if p.Offset, err = d.Number(); err != nil {
			return it, err
		}
		if err = d.Expect('.', "."); err != nil {
			return it, err
		}
		if p.Count, err = d.Number(); err != nil {
			return it, err
		}
		if p.Count == 0 {
			return it, syntaxf("partial count must be non-zero")
		}
		if err = d.Expect('>', ">"); err != nil {
			return it, err
		}
		it.Partial = p
	}
	return it, nil
}

// parseSection reads a section spec and its closing bracket; the opening
// bracket is consumed. binary restricts it to a part path (RFC 3516).
func parseSection(d *Decoder, binary bool) (Section, error) {
	var s Section
	tok, err := d.readWhile(func(b byte) bool { return isFetchNameChar(b) })
	if err != nil {
		return s, err
	}
	rest := strings.ToUpper(tok)
	for rest != "" {
		num, after, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil {
			break
		}
		if n <= 0 || n > 100000 {
			return s, syntaxf("bad section number")
		}
		s.Path = append(s.Path, n)
		rest = after
	}
	switch rest {
	case "":
	case "HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		s.Specifier = rest
	case "MIME":
		if len(s.Path) == 0 {
			return s, syntaxf("MIME needs a part number")
		}
		s.Specifier = rest
	default:
		return s, syntaxf("bad section %q", tok)
	}
	if binary && s.Specifier != "" {
		return s, syntaxf("BINARY takes a part number only")
	}
	if strings.HasPrefix(s.Specifier, "HEADER.FIELDS") {
		if err := d.SP(); err != nil {
			return s, err
		}
		err := d.List(0, func() error {
			f, err := d.AString()
			s.Fields = append(s.Fields, strings.ToUpper(f))
			return err
		})
		if err != nil {
			return s, err
		}
		if len(s.Fields) == 0 {
			return s, syntaxf("empty header list")
		}
	}
	return s, d.Expect(']', "]")
}

// ParseSectionText parses a section spec given as text, as an IMAP URL
// carries it ("1.2.MIME", "HEADER.FIELDS (FROM)", RFC 5092 section 4).
func ParseSectionText(s string) (Section, error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader(s + "]")))
	return parseSection(d, false)
}
