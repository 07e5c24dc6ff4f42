package sieve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// StreamMessage is a Message read from a source that can be read again
// from the start, such as a spooled message: the header is parsed once
// and the body is read from the source only when a test needs it.
type StreamMessage struct {
	header  []HeaderField
	size    int64
	bodyOff int64
	open    func() io.Reader
}

var _ Message = (*StreamMessage)(nil)

// NewStreamMessage parses the header of the message that open returns;
// each call of open must return a new reader from the message's first
// byte. size is the whole message's size. At most maxHeader bytes are
// read for the header (default 256 KiB); a longer header is cut there
// and the rest is taken as body.
func NewStreamMessage(open func() io.Reader, size int64, maxHeader int) (*StreamMessage,
	error) {
	if maxHeader <= 0 {
		maxHeader = 256 << 10
	}
	br := bufio.NewReader(io.LimitReader(open(), int64(maxHeader)))
	var buf []byte
	for {
		line, err := br.ReadSlice('\n')
		buf = append(buf, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		if len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			break
		}
	}
	h, rest := splitHeader(buf)
	return &StreamMessage{header: h, size: size, bodyOff: int64(len(buf) - len(rest)),
		open: open}, nil
}

// Header implements Message.
func (m *StreamMessage) Header() []HeaderField { return m.header }

// Size implements Message.
func (m *StreamMessage) Size() int64 { return m.size }

// HeaderSize returns the length of the header with its blank line, where
// the body starts in the source.
func (m *StreamMessage) HeaderSize() int64 { return m.bodyOff }

// Body implements Message: a new reader of the raw body.
func (m *StreamMessage) Body() (io.Reader, error) {
	r := m.open()
	if _, err := io.CopyN(io.Discard, r, m.bodyOff); err != nil {
		return nil, fmt.Errorf("skip header: %w", err)
	}
	return r, nil
}

// MessageReader streams a message made of header fields (in wire form, as
// HeaderField keeps them), the blank line and body.
func MessageReader(h []HeaderField, body io.Reader) io.Reader {
	var b bytes.Buffer
	for _, f := range h {
		b.WriteString(f.Name + ":" + f.Value + "\r\n")
	}
	b.WriteString("\r\n")
	return io.MultiReader(&b, body)
}
