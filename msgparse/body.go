package msgparse

import (
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// MIMERange returns the offset and length of the part's MIME header in the
// raw message, blank line included: IMAP BODY[n.MIME] (RFC 9051 section
// 6.4.5).
func (p *Part) MIMERange() (off, n int64) {
	return p.HeaderStart, p.BodyStart - p.HeaderStart
}

// BodyRange returns the offset and length of the part's encoded body:
// IMAP BODY[n] and JMAP blob bytes of a leaf.
func (p *Part) BodyRange() (off, n int64) {
	return p.BodyStart, p.End - p.BodyStart
}

// BodyReader returns the part's body with its Content-Transfer-Encoding
// undone (IMAP BINARY[n], RFC 3516; JMAP blobs), read from the raw message.
// Bad encoding is decoded leniently, never reported.
func (p *Part) BodyReader(raw io.ReaderAt) io.Reader {
	src := io.NewSectionReader(raw, p.BodyStart, p.End-p.BodyStart)
	return &decodeReader{src: src, dec: newTransferDecoder(p.Encoding)}
}

// TextReader returns the part's body as UTF-8: transfer encoding undone
// and the charset converted as it streams. Unknown charsets and UTF-7
// pass bytes through; ReadText handles both.
func (p *Part) TextReader(raw io.ReaderAt) io.Reader {
	r := p.BodyReader(raw)
	if enc, _ := lookupCharset(p.Charset); enc != nil {
		return transform.NewReader(r, enc.NewDecoder())
	}
	return r
}

// ReadText returns the part's decoded body converted to UTF-8 (invalid
// sequences replaced or, for unknown charsets, read as windows-1252), at
// most max bytes of it cut at a character boundary, and whether it was
// cut: JMAP bodyValues (RFC 8621 section 4.1.4, maxBodyValueBytes).
// max <= 0 means no cap.
func (p *Part) ReadText(raw io.ReaderAt, max int) (string, bool, error) {
	r := p.BodyReader(raw)
	var lim int64 = 1<<63 - 1
	if max > 0 {
		// Enough input for max bytes of output in any charset: none
		// shrinks text to less than half (UTF-16 of ASCII).
		lim = 2*int64(max) + 8
	}
	b, err := io.ReadAll(io.LimitReader(r, lim))
	if err != nil {
		return "", false, fmt.Errorf("read part body: %w", err)
	}
	// More input than was read means the text is cut.
	cut := max > 0 && int64(len(b)) == lim && !atEOF(r)
	text, _ := toUTF8(b, p.Charset)
	if max > 0 && len(text) > max {
		text, cut = truncateUTF8(text, max), true
	}
	return text, cut, nil
}

// atEOF reports whether r has nothing more to read.
func atEOF(r io.Reader) bool {
	var one [1]byte
	n, _ := io.ReadFull(r, one[:])
	return n == 0
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// decodeReader applies a transferDecoder to a stream.
type decodeReader struct {
	src  io.Reader
	dec  transferDecoder
	in   []byte
	out  []byte
	done bool
	err  error
}

func (r *decodeReader) Read(b []byte) (int, error) {
	for len(r.out) == 0 {
		if r.done {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(b, r.out)
	r.out = r.out[n:]
	return n, nil
}

// fill reads one chunk of source and decodes it.
func (r *decodeReader) fill() {
	if r.in == nil {
		r.in = make([]byte, 32<<10)
	}
	n, err := r.src.Read(r.in)
	out := r.dec.write(r.out[:0], r.in[:n])
	if err != nil {
		out = r.dec.flush(out)
		r.done = true
		r.err = io.EOF
		if err != io.EOF {
			r.err = fmt.Errorf("read raw message: %w", err)
		}
	}
	r.out = out
}
