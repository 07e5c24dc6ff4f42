package sieve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message/charset"
)

// HeaderField is one header field as it appears in a message. Value is
// the raw text after the colon, with folding kept.
type HeaderField struct {
	Name  string
	Value string
}

// Message is the message a script runs against. The interpreter reads the
// header through Header and opens the raw body (after the blank line) only
// when a test needs it (body, mime, size of parts).
type Message interface {
	// Header returns the top-level header fields in order.
	Header() []HeaderField
	// Size returns the size of the whole message in octets.
	Size() int64
	// Body returns a reader of the raw body; the caller does not close it.
	Body() (io.Reader, error)
}

// Envelope is the SMTP envelope of the delivery, RFC 5228 section 5.4.
type Envelope struct {
	From   string // reverse-path without brackets, "" for the null sender
	To     string // the forward-path being delivered to
	OrigTo string // the original recipient (ORCPT) if known
	Auth   string // the authenticated submitter, if any
}

// RawMessage is a Message held in memory.
type RawMessage struct {
	header []HeaderField
	body   []byte
	size   int64
}

var _ Message = (*RawMessage)(nil)

// ReadMessage reads a whole message into memory.
func ReadMessage(r io.Reader) (*RawMessage, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	data := buf.Bytes()
	h, body := splitHeader(data)
	return &RawMessage{header: h, body: body, size: int64(len(data))}, nil
}

// Header implements Message.
func (m *RawMessage) Header() []HeaderField { return m.header }

// Size implements Message.
func (m *RawMessage) Size() int64 { return m.size }

// BodyBytes returns the raw body without copying; the interpreter uses it
// instead of reading Body.
func (m *RawMessage) BodyBytes() []byte { return m.body }

// Body implements Message.
func (m *RawMessage) Body() (io.Reader, error) { return bytes.NewReader(m.body), nil }

// splitHeader parses header fields and returns the body after the blank
// line. Lines that are not fields end the header.
func splitHeader(data []byte) ([]HeaderField, []byte) {
	var fields []HeaderField
	off := 0
	for off < len(data) {
		end := bytes.IndexByte(data[off:], '\n')
		var line []byte
		next := len(data)
		if end >= 0 {
			line = data[off : off+end]
			next = off + end + 1
		} else {
			line = data[off:]
		}
		trimmed := bytes.TrimSuffix(line, []byte("\r"))
		if len(trimmed) == 0 {
			return fields, data[next:]
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			f := &fields[len(fields)-1]
			f.Value += "\r\n" + string(trimmed)
			off = next
			continue
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 || !validFieldName(string(bytes.TrimRight(trimmed[:colon], " \t"))) {
			// Not a header field: the body starts here.
			return fields, data[off:]
		}
		name := string(bytes.TrimRight(trimmed[:colon], " \t"))
		val := string(trimmed[colon+1:])
		fields = append(fields, HeaderField{Name: name, Value: val})
		off = next
	}
	return fields, nil
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 32 || s[i] >= 127 || s[i] == ':' {
			return false
		}
	}
	return true
}

// unfold removes folding and surrounding white space from a raw value.
func unfold(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.ReplaceAll(v, "\r\n", "")
		v = strings.ReplaceAll(v, "\n", "")
	}
	return strings.Trim(v, " \t")
}

func newWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charset.Reader}
}

// decodeHeader decodes RFC 2047 encoded words in an unfolded value.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := newWordDecoder().DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// headerValues returns the unfolded, decoded values of the named fields.
func headerValues(h []HeaderField, name string, decode bool) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			v := unfold(f.Value)
			if decode {
				v = decodeHeader(v)
			}
			out = append(out, v)
		}
	}
	return out
}

// writeHeader writes fields in wire form.
func writeHeader(w *bufio.Writer, h []HeaderField) {
	for _, f := range h {
		w.WriteString(f.Name)
		w.WriteString(":")
		w.WriteString(f.Value)
		w.WriteString("\r\n")
	}
}
