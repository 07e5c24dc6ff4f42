package msgparse

// textCollector keeps the transfer-decoded body of a text part, up to a
// cap, while the parser streams past it.
type textCollector struct {
	dec  transferDecoder
	buf  []byte
	max  int
	full bool
	// held is the line break of the last line, which belongs to a
	// following delimiter if one comes (RFC 2046 section 5.1.1).
	held []byte
}

func newTextCollector(encoding string, max int) *textCollector {
	return &textCollector{dec: newTransferDecoder(encoding), max: max}
}

// write takes a chunk of the raw body.
func (tc *textCollector) write(b []byte) {
	if tc.full {
		return
	}
	if len(tc.held) > 0 {
		tc.buf = tc.dec.write(tc.buf, tc.held)
		tc.held = tc.held[:0]
	}
	body := trimEOL(b)
	tc.buf = tc.dec.write(tc.buf, body)
	tc.held = append(tc.held, b[len(body):]...)
	tc.clip()
}

// clip enforces the cap.
func (tc *textCollector) clip() {
	if len(tc.buf) > tc.max {
		tc.buf = tc.buf[:tc.max]
		tc.full = true
	}
}

// finish returns the decoded bytes and whether they were cut at the cap.
// delim tells that a delimiter followed, so the held line break is dropped.
func (tc *textCollector) finish(delim bool) ([]byte, bool) {
	if !tc.full {
		if !delim && len(tc.held) > 0 {
			tc.buf = tc.dec.write(tc.buf, tc.held)
		}
		tc.buf = tc.dec.flush(tc.buf)
		tc.clip()
	}
	return tc.buf, tc.full
}
