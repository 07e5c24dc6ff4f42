package mailauth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Field is one header field as it appears in the message: Raw holds the
// name, colon, value and folding, ending in CRLF (bare LF line ends are
// turned into CRLF when read).
type Field struct {
	Name string // as written, without the colon
	Raw  []byte
}

// Value returns the unfolded field body with surrounding space removed.
func (f Field) Value() string {
	i := bytes.IndexByte(f.Raw, ':')
	if i < 0 {
		return ""
	}
	v := strings.ReplaceAll(string(f.Raw[i+1:]), "\r\n", "")
	return strings.Trim(v, " \t")
}

// Header is the header section of a message, in order, top first.
type Header []Field

// Get returns the fields named name (case-insensitive), top first.
func (h Header) Get(name string) []Field {
	var out []Field
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// WriteTo writes the header fields followed by the empty line that ends
// the header section.
func (h Header) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, f := range h {
		k, err := w.Write(f.Raw)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	k, err := io.WriteString(w, "\r\n")
	return n + int64(k), err
}

// ReadHeader reads the header section of a message from br, leaving br at
// the first octet of the body. At most max octets are read
// (ErrHeaderTooLarge beyond). A message without a body is accepted.
func ReadHeader(br *bufio.Reader, max int) (Header, error) {
	return readHeader(br, max)
}

func readHeader(br *bufio.Reader, max int) (Header, error) {
	var h Header
	var cur []byte
	total := 0
	flush := func() {
		if cur == nil {
			return
		}
		name, _, _ := bytes.Cut(cur, []byte(":"))
		h = append(h, Field{Name: strings.TrimRight(string(name), " \t"), Raw: cur})
		cur = nil
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			var rest []byte
			rest, err = readLongLine(br, line, max-total)
			line = rest
		}
		total += len(line)
		if total > max {
			return nil, ErrHeaderTooLarge
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read header: %w", err)
		}
		line = crlf(line)
		switch {
		case len(line) == 0 || string(line) == "\r\n":
			flush()
			return h, nil
		case line[0] == ' ' || line[0] == '\t':
			cur = append(cur, line...)
		default:
			flush()
			if bytes.IndexByte(line, ':') < 0 {
				// Not a header field: the body starts without an empty line.
				// Keep it as a field so that nothing is lost when rewritten.
				h = append(h, Field{Raw: append([]byte(nil), line...)})
			} else {
				cur = append([]byte(nil), line...)
			}
		}
		if err != nil {
			flush()
			return h, nil
		}
	}
}

// readLongLine completes a line longer than the reader's buffer.
func readLongLine(br *bufio.Reader, first []byte, max int) ([]byte, error) {
	line := append([]byte(nil), first...)
	for {
		if len(line) > max {
			return line, nil
		}
		more, err := br.ReadSlice('\n')
		line = append(line, more...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// crlf makes a line end in CRLF when it ends in a bare LF.
func crlf(line []byte) []byte {
	n := len(line)
	if n > 0 && line[n-1] == '\n' && (n < 2 || line[n-2] != '\r') {
		return append(append([]byte(nil), line[:n-1]...), '\r', '\n')
	}
	return line
}

// canonHeaderRelaxed applies the relaxed header canonicalization
// (RFC 6376, section 3.4.2) to a raw field, keeping the final CRLF.
func canonHeaderRelaxed(raw []byte) []byte {
	i := bytes.IndexByte(raw, ':')
	if i < 0 {
		return nil
	}
	name := bytes.ToLower(bytes.TrimRight(raw[:i], " \t"))
	out := make([]byte, 0, len(raw))
	out = append(out, name...)
	out = append(out, ':')
	space := false
	for _, c := range raw[i+1:] {
		switch c {
		case '\r', '\n':
			continue
		case ' ', '\t':
			space = true
			continue
		}
		if space && len(out) > len(name)+1 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, c)
	}
	return append(out, '\r', '\n')
}

// canonHeader canonicalizes a raw field for hashing.
func canonHeader(raw []byte, relaxed bool) []byte {
	if relaxed {
		return canonHeaderRelaxed(raw)
	}
	return raw
}
