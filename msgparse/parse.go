package msgparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Parse reads a whole message from r once and returns its parsed form with
// the default Options. It never fails on malformed content: what cannot be
// read is kept as an opaque part and recorded in Message.Defects. The error
// is that of reading r (with the message read so far), or ErrInternal.
func Parse(r io.Reader) (*Message, error) {
	return ParseOptions(r, Options{})
}

// ErrInternal is returned, instead of a crash, if parsing meets a fault of
// this package; it is a bug to report with the message that caused it.
var ErrInternal = errors.New("msgparse: internal parser fault")

// ParseOptions is Parse with limits.
func ParseOptions(r io.Reader, opts Options) (m *Message, err error) {
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, fmt.Errorf("%w: %v", ErrInternal, v)
		}
	}()
	p := &parser{lr: newLineReader(r), opts: opts.withDefaults()}
	p.textLeft = p.opts.MaxTotalTextBytes
	m, _ = p.parseMessage(0, nil)
	m.Size = p.lr.off
	m.Defects = p.defects
	m.Truncated = p.truncated
	if err := p.lr.ioErr(); err != nil {
		return m, fmt.Errorf("read message: %w", err)
	}
	return m, nil
}

// parser holds the state of one Parse call.
type parser struct {
	lr        *lineReader
	opts      Options
	parts     int
	textLeft  int
	defects   []Defect
	truncated bool
	scratch   []byte // a long line start joined by completeLine
}

// term is what ended a body: a boundary delimiter line of one of the
// enclosing multiparts, or the end of input.
type term struct {
	eof   bool
	level int   // index into the boundary stack
	close bool  // the close-delimiter "--boundary--"
	at    int64 // where the body before it ends
	// state before the delimiter line was read, for line counting
	before lineState
}

func (p *parser) defect(d Defect) {
	if len(p.defects) < 64 {
		p.defects = append(p.defects, d)
	}
}

// parseMessage parses a message (top level or encapsulated) that starts at
// the current offset, its body bounded by the enclosing boundaries.
func (p *parser) parseMessage(depth int, stack []string) (*Message, term) {
	root := &Part{HeaderStart: p.lr.off}
	p.parts++
	h := p.readHeader(root, stack)
	p.applyContent(root, h, false)
	t := p.parseBody(root, depth, stack)
	m := &Message{HeaderSize: root.BodyStart - root.HeaderStart, Root: root}
	fillMessage(m, h)
	classifyBodies(m)
	m.Preview = makePreview(m, p.opts.PreviewLength)
	return m, t
}

// readHeader reads a header block into h, setting part.BodyStart. It stops
// at the blank line (consumed), at a line that is not a field (left for
// the body, RFC 5322 section 2.1 broken), or at a boundary delimiter.
func (p *parser) readHeader(part *Part, stack []string) header {
	b := headerBuilder{max: p.opts.MaxHeaderBytes}
	inField := false
	for {
		st := p.lr.save()
		c, ok := p.lr.next()
		if !ok {
			break
		}
		if !c.bol {
			if inField {
				b.add(c.data)
			}
			continue
		}
		if isBlank(c.data) {
			part.BodyStart = p.lr.off
			return p.finishHeader(&b)
		}
		if c.data[0] == ' ' || c.data[0] == '\t' {
			if inField {
				b.add(c.data)
				continue
			}
			// A continuation with nothing to continue: skip it.
			p.defect(DefectBadHeaderLine)
			continue
		}
		if name, rest, ok := fieldName(c.data); ok && matchDelim(c.data, stack) < 0 {
			b.start(name, rest)
			inField = true
			continue
		}
		if isFromLine(c.data) {
			// An mbox separator ("From sender date"), at the top or
			// after trace fields a delivery prepended: part of the
			// header block, not a field and not the body.
			b.finish()
			inField = false
			continue
		}
		// Not a field: the header ended without its blank line.
		p.lr.unread(c, st)
		if matchDelim(c.data, stack) < 0 {
			p.defect(DefectNoHeaderSeparator)
		}
		break
	}
	part.BodyStart = p.lr.off
	return p.finishHeader(&b)
}

// isFromLine reports whether a line that is not a field is an mbox "From "
// separator line. RFC 4155 describes the format; Python's email package
// passes over such a line anywhere in a header block, Dovecot and mime4j
// at its top.
func isFromLine(line []byte) bool {
	return bytes.HasPrefix(line, []byte("From "))
}

func (p *parser) finishHeader(b *headerBuilder) header {
	b.finish()
	if b.over {
		p.defect(DefectHeaderTooLong)
	}
	return b.h
}

// matchDelim returns the index in stack of the boundary that the line is a
// delimiter of, or -1. As RFC 2046 section 5.1.1 notes, the boundary need
// only appear in its entirety at the start of the line; what follows it is
// not checked. When several boundaries begin the line, the longest wins
// (a line "--ab" closes the part of boundary "ab", not that of a nested
// "a"), and of equal ones the innermost (a nested multipart that reuses
// its parent's boundary still gets its parts), as Dovecot reads them.
func matchDelim(line []byte, stack []string) int {
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return -1
	}
	best := -1
	for i := len(stack) - 1; i >= 0; i-- {
		b := stack[i]
		if b == "" || (best >= 0 && len(b) <= len(stack[best])) {
			continue
		}
		if bytes.HasPrefix(line[2:], []byte(b)) {
			best = i
		}
	}
	return best
}

func isCloseDelim(line []byte, b string) bool {
	return bytes.HasPrefix(line[2+len(b):], []byte("--"))
}

// parseBody reads the body of part, whose header has been read, and returns
// what ended it; it sets End, Size, Lines and the tree below the part.
func (p *parser) parseBody(part *Part, depth int, stack []string) term {
	lf0 := p.lr.lf
	var t term
	switch {
	case part.IsMultipart() && depth < p.opts.MaxDepth:
		t = p.parseMultipart(part, depth, stack)
	case part.isEncapsulated() && depth < p.opts.MaxDepth:
		var inner *Message
		inner, t = p.parseMessage(depth+1, stack)
		part.Message = inner
	default:
		if depth >= p.opts.MaxDepth && (part.IsMultipart() || part.isEncapsulated()) {
			// Kept opaque: IMAP cannot show a multipart without parts
			// or a message without its envelope.
			p.defect(DefectTooDeep)
			part.Type, part.Subtype = "application", "octet-stream"
		}
		t = p.parseLeaf(part, stack)
	}
	p.finishPart(part, t, lf0)
	if part.isMessageType() && !part.isEncapsulated() {
		p.defect(DefectEncodedMessage)
		part.Message = opaqueMessage(part, part.Message)
	}
	return t
}

// opaqueMessage stands for a message/rfc822 body that cannot be parsed in
// place because it has a transfer encoding (RFC 2046 section 5.2.1 forbids
// one): the envelope and header fields read from its decoded start (in),
// and one part over the encoded body, so that offsets stay true and IMAP
// still shows a valid structure. Seen as it is stored, that body is a
// message without a header, so its part is text/plain in US-ASCII, the
// default of RFC 2045 section 5.2 (as Python's email package reads it).
func opaqueMessage(part *Part, in *Message) *Message {
	root := &Part{
		Type: "text", Subtype: "plain", Charset: "us-ascii",
		HeaderStart: part.BodyStart, BodyStart: part.BodyStart,
		End: part.End, Size: part.Size, Lines: part.Lines,
	}
	m := &Message{}
	if in != nil {
		*m = *in
		m.Defects, m.Truncated = nil, false
	}
	m.Size, m.HeaderSize, m.Root = part.Size, 0, root
	m.TextBody, m.HTMLBody, m.Attachments = []*Part{}, []*Part{}, []*Part{root}
	return m
}

// finishPart sets End, Size and Lines from the terminator.
func (p *parser) finishPart(part *Part, t term, lf0 int64) {
	var lines int64
	if t.eof {
		part.End = p.lr.off
		lines = p.lr.lf - lf0
		if p.lr.midLine && part.End > part.BodyStart {
			lines++
		}
	} else {
		// A line break shared by an empty part's header and the
		// delimiter stays with the part that ends first.
		floor := part.BodyStart
		if n := len(part.Children); n > 0 {
			floor = max(floor, part.Children[n-1].End)
		}
		if part.Message != nil {
			floor = max(floor, part.Message.Root.End)
		}
		part.End = max(t.at, floor)
		if n := t.before.lf - lf0; n > 0 {
			lines = n - 1
			if !t.before.lastBlank {
				lines++
			}
		}
	}
	part.Size = part.End - part.BodyStart
	if part.Type == "text" || part.isMessageType() {
		part.Lines = lines
	}
}

// isMessageType reports whether the part is message/rfc822 or
// message/global (RFC 6532 section 3.7).
func (p *Part) isMessageType() bool {
	return p.Type == "message" && (p.Subtype == "rfc822" || p.Subtype == "global")
}

// isEncapsulated reports whether the body is a message to parse in turn.
func (p *Part) isEncapsulated() bool {
	if !p.isMessageType() {
		return false
	}
	switch p.Encoding {
	case "", "7bit", "8bit", "binary":
		return true
	}
	return false
}

// completeLine returns a line start that may be a delimiter longer than
// the read buffer with enough of its line joined on to compare the longest
// boundary of the stack; other chunks are returned as they are.
func (p *parser) completeLine(c chunk, stack []string) chunk {
	n := len(c.data)
	if n < 2 || c.data[n-1] == '\n' || c.data[0] != '-' || c.data[1] != '-' {
		return c
	}
	need := 0
	for _, b := range stack {
		need = max(need, len(b)+4)
	}
	if n >= need {
		return c
	}
	p.scratch = append(p.scratch[:0], c.data...)
	for len(p.scratch) < need {
		more, ok := p.lr.next()
		if !ok {
			break
		}
		p.scratch = append(p.scratch, more.data...)
		if more.data[len(more.data)-1] == '\n' {
			break
		}
	}
	c.data = p.scratch
	return c
}

// scanTo reads lines until a delimiter of the stack or the end, passing
// each chunk of body to sink (which may be nil).
func (p *parser) scanTo(stack []string, sink func(chunk)) term {
	for {
		st := p.lr.save()
		c, ok := p.lr.next()
		if !ok {
			return term{eof: true, at: p.lr.off}
		}
		if c.bol && len(stack) > 0 {
			c = p.completeLine(c, stack)
			if i := matchDelim(c.data, stack); i >= 0 {
				at := st.lastTerm
				if st.lf == 0 || st.midLine {
					at = st.off
				}
				return term{
					level: i, close: isCloseDelim(c.data, stack[i]),
					at: at, before: st,
				}
			}
		}
		if sink != nil {
			sink(c)
		}
	}
}
