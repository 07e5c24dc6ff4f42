package smtp

import (
	"bytes"
	"io"
	"strings"
	"time"
)

// Message is a received message with its envelope, handed to the Message
// hook and to Delivery. It lives until Deliver returns; its readers must
// not be used after that.
type Message struct {
	// ID names the message in logs and in the Received field.
	ID string
	// Session is the connection the message came in on.
	Session *Session
	// Envelope is the transaction's envelope.
	Envelope *Envelope
	// Received is when the message was received.
	Received time.Time

	relay   Relay  // the server's Options.Relay
	trace   []byte // header fields added on top, newest first
	body    io.ReaderAt
	size    int64
	filters []func(io.Reader) io.Reader
}

// AddHeader puts a header field above the others (trace and result
// fields such as Authentication-Results go on top, RFC 5321 section 4.4).
// The value is folded by the caller if long; CR and LF in name or value
// are replaced by spaces so nothing can be injected.
func (m *Message) AddHeader(name, value string) {
	clean := strings.NewReplacer("\r", " ", "\n", " ")
	field := clean.Replace(name) + ": " + keepFolds(value) + "\r\n"
	m.trace = append([]byte(field), m.trace...)
}

// keepFolds keeps "\r\n\t" and "\r\n " folds of a value and turns any
// other CR or LF into a space.
func keepFolds(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' && i+2 < len(v) && v[i+1] == '\n' && (v[i+2] == ' ' || v[i+2] == '\t') {
			b.WriteString("\r\n")
			i++
			continue
		}
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Size returns the message size in bytes, added header fields included.
func (m *Message) Size() int64 { return int64(len(m.trace)) + m.size }

// Reader returns a new reader over the whole message, added header fields
// first. Each call starts again at the beginning; nothing needs closing.
func (m *Message) Reader() io.Reader {
	return io.MultiReader(bytes.NewReader(m.trace), m.filtered())
}

// Filter adds a rewrite of the client's message that Reader applies on
// every read, after the filters added before it; header fields added with
// AddHeader stay outside it. A filter must stream: it is given the body
// reader and returns a reader of the rewritten message, reporting a read
// failure through that reader. Size does not count what filters change.
func (m *Message) Filter(f func(io.Reader) io.Reader) {
	m.filters = append(m.filters, f)
}

func (m *Message) filtered() io.Reader {
	var r io.Reader = io.NewSectionReader(m.body, 0, m.size)
	for _, f := range m.filters {
		r = f(r)
	}
	return r
}

// Body returns a new reader over the message as the client sent it.
func (m *Message) Body() io.Reader { return io.NewSectionReader(m.body, 0, m.size) }
