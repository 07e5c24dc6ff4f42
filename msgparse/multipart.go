package msgparse

import "bytes"

// parseMultipart reads a multipart body (RFC 2046 section 5.1): preamble,
// body parts, epilogue. A missing close-delimiter is taken to be at the
// end of the enclosing body; the parts read so far stay.
func (p *parser) parseMultipart(part *Part, depth int, stack []string) term {
	boundary := part.Params["boundary"]
	inner := append(stack[:len(stack):len(stack)], boundary)
	level := len(inner) - 1

	// The preamble is kept as text in case no part follows and it has
	// to stand as the multipart's one part.
	lf0 := p.lr.lf
	tc := newTextCollector("", min(p.opts.MaxTextBytes, max(p.textLeft, 0)))
	t := p.scanTo(inner, func(c chunk) { tc.write(c.data) })
	pre := t
	defer func() {
		if len(part.Children) == 0 {
			p.defect(DefectEmptyMultipart)
			raw, full := tc.finish(!pre.eof)
			p.preamblePart(part, pre, lf0, raw, full)
		}
	}()
	for !t.eof && t.level == level && !t.close {
		if p.parts >= p.opts.MaxParts {
			p.defect(DefectTooManyParts)
			// Leave the rest inside this multipart's body.
			t = p.scanTo(stack, nil)
			return t
		}
		child := &Part{HeaderStart: p.lr.off}
		p.parts++
		h := p.readHeader(child, inner)
		p.applyContent(child, h, part.Subtype == "digest")
		t = p.parseBody(child, depth+1, inner)
		if t.eof && child.HeaderStart == p.lr.off && len(part.Children) > 0 {
			// A delimiter ending the input opens no part.
			break
		}
		part.Children = append(part.Children, child)
	}
	if t.eof || t.level != level {
		p.defect(DefectMissingCloseDelimiter)
		p.truncated = true
		return t
	}
	// The epilogue runs to the enclosing delimiter or the end.
	return p.scanTo(stack, nil)
}

// preamblePart gives a multipart that has no body parts (no boundary
// parameter, no delimiter line, or only a close-delimiter) one text/plain
// part over its preamble, which pre ended. RFC 9051's body-type-mpart
// needs at least one part; keeping the multipart type shows what the
// sender declared (as Python's email package and Dovecot do), and the
// text the sender wrote stays readable.
func (p *parser) preamblePart(part *Part, pre term, lf0 int64, raw []byte, full bool) {
	p.parts++
	child := &Part{
		Type: "text", Subtype: "plain", Charset: "us-ascii",
		HeaderStart: part.BodyStart, BodyStart: part.BodyStart,
	}
	p.finishPart(child, pre, lf0)
	child.Text, _ = toUTF8(raw, "")
	child.TextTruncated = full
	part.Children = []*Part{child}
}

// maxEncodedHeader bounds the decoded start of an encoded message/rfc822
// body that is kept to read the encapsulated header from.
const maxEncodedHeader = 64 << 10

// encodedMessage reads the header of an encoded message/rfc822 body from
// its decoded start. The result is completed by opaqueMessage.
func (p *parser) encodedMessage(decoded []byte) *Message {
	sub := &parser{lr: newLineReader(bytes.NewReader(decoded)), opts: p.opts}
	sub.opts.MaxDepth = 1
	sub.textLeft = min(p.opts.MaxTextBytes, maxEncodedHeader)
	m, _ := sub.parseMessage(0, nil)
	return m
}

// parseLeaf reads the body of a part that is not descended into, keeping
// the decoded text of text parts.
func (p *parser) parseLeaf(part *Part, stack []string) term {
	var tc *textCollector
	switch {
	case part.Type == "text" && p.textLeft > 0:
		tc = newTextCollector(part.Encoding, min(p.opts.MaxTextBytes, p.textLeft))
	case part.isMessageType() && !part.isEncapsulated():
		// An encoded message: keep the start of it to read its header.
		tc = newTextCollector(part.Encoding, maxEncodedHeader)
	}
	var sink func(chunk)
	if tc != nil {
		sink = func(c chunk) { tc.write(c.data) }
	}
	t := p.scanTo(stack, sink)
	if part.Type == "message" {
		if tc != nil {
			raw, _ := tc.finish(!t.eof)
			part.Message = p.encodedMessage(raw)
		}
		return t
	}
	if part.Type == "text" && tc == nil {
		part.TextTruncated = true // the message's text budget is spent
	}
	if tc != nil {
		raw, full := tc.finish(!t.eof)
		text, known := toUTF8(raw, part.Charset)
		if !known {
			p.defect(DefectUnknownCharset)
		}
		part.Text = text
		part.TextTruncated = full
		p.textLeft -= len(raw)
	}
	return t
}
