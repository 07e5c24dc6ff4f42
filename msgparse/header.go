package msgparse

import (
	"bytes"
	"strings"
)

// field is one header field kept for parsing: the lower-case name and the
// raw value with line breaks removed (RFC 5322 section 2.2.3 unfolding).
type field struct {
	name  string
	value string
}

// header is the set of fields Parse reads from one header block.
type header struct {
	fields []field
}

// get returns the first value of the named field (lower-case name).
func (h *header) get(name string) (string, bool) {
	for _, f := range h.fields {
		if f.name == name {
			return f.value, true
		}
	}
	return "", false
}

// keptFields are the fields Parse reads; others are skipped so that memory
// stays bounded however long the header is.
var keptFields = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true,
	"bcc": true, "subject": true, "date": true, "message-id": true,
	"in-reply-to": true, "references": true,
	"content-type": true, "content-transfer-encoding": true,
	"content-id": true, "content-description": true, "content-md5": true,
	"content-disposition": true, "content-language": true,
	"content-location": true,
}

// fieldName returns the name of a header line "name: value", allowing
// white space before the colon (RFC 5322 section 4.5.3), or ok false when
// the line is not a field.
func fieldName(line []byte) (name []byte, rest []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name = bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return nil, nil, false
	}
	// RFC 5322 names are printable ASCII; 8-bit bytes are let in, since
	// such junk is still a field and not the start of the body.
	for _, c := range name {
		if c <= ' ' || c == 0x7f {
			return nil, nil, false
		}
	}
	return name, line[i+1:], true
}

// headerBuilder accumulates one field across its folded lines.
type headerBuilder struct {
	scratch [32]byte
	h       header
	name    string
	keep    bool
	value   []byte
	max     int
	over    bool
}

func (b *headerBuilder) start(name []byte, rest []byte) {
	b.finish()
	b.name, b.keep = "", false
	// Look the name up lower-cased in a scratch buffer, so that the
	// fields not kept cost no allocation.
	if len(name) <= len(b.scratch) {
		lower := b.scratch[:len(name)]
		for i, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		if keptFields[string(lower)] {
			b.name = string(lower)
			_, dup := b.h.get(b.name)
			b.keep = !dup // RFC 5322 allows one of each; the first wins
		}
	}
	b.value = b.value[:0]
	b.add(rest)
}

// add appends a line of the current field, without its line break.
func (b *headerBuilder) add(data []byte) {
	if !b.keep {
		return
	}
	data = trimEOL(data)
	if room := b.max - len(b.value); len(data) > room {
		data = data[:max(room, 0)]
		b.over = true
	}
	b.value = append(b.value, data...)
}

func (b *headerBuilder) finish() {
	if b.keep && b.name != "" {
		v := strings.TrimSpace(string(b.value))
		b.h.fields = append(b.h.fields, field{name: b.name, value: v})
	}
	b.name, b.keep = "", false
}

// trimEOL drops a trailing LF or CRLF.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n > 1 && b[n-2] == '\r' {
			b = b[:n-2]
		}
	}
	return b
}

// isBlank reports whether a line start chunk is an empty line.
func isBlank(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' ||
		len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}
