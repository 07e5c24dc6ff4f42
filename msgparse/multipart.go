package msgparse

// parseMultipart reads a multipart body (RFC 2046 section 5.1): preamble,
// body parts, epilogue. A missing close-delimiter is taken to be at the
// end of the enclosing body; the parts read so far stay.
func (p *parser) parseMultipart(part *Part, depth int, stack []string) term {
	boundary := part.Params["boundary"]
	inner := append(stack[:len(stack):len(stack)], boundary)
	level := len(inner) - 1

	// The preamble is kept as text in case no part follows and the
	// multipart has to be read as text/plain.
	tc := newTextCollector("", min(p.opts.MaxTextBytes, max(p.textLeft, 0)))
	t := p.scanTo(inner, func(c chunk) { tc.write(c.data) })
	defer func() {
		if len(part.Children) == 0 {
			p.defect(DefectEmptyMultipart)
			part.Type, part.Subtype, part.Charset = "text", "plain", "us-ascii"
			raw, full := tc.finish(!t.eof)
			part.Text, _ = toUTF8(raw, "")
			part.TextTruncated = full
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

// parseLeaf reads the body of a part that is not descended into, keeping
// the decoded text of text parts.
func (p *parser) parseLeaf(part *Part, stack []string) term {
	var tc *textCollector
	if part.Type == "text" && p.textLeft > 0 {
		tc = newTextCollector(part.Encoding, min(p.opts.MaxTextBytes, p.textLeft))
	}
	var sink func(chunk)
	if tc != nil {
		sink = func(c chunk) { tc.write(c.data) }
	}
	t := p.scanTo(stack, sink)
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
