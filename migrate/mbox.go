package migrate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MboxQuoting tells how "From " lines inside messages were escaped.
type MboxQuoting int

const (
	// Mboxrd files quote every line matching ">*From " with one more
	// ">", which reading removes: the format is reversible.
	Mboxrd MboxQuoting = iota
	// Mboxo files quote only "From " lines, as ">From "; reading
	// removes the ">" from ">From " lines alone.
	Mboxo
)

// DefaultMaxMboxMessage is the default MboxOptions.MaxMessageSize.
const DefaultMaxMboxMessage = 64 << 20

// MboxOptions configures an MboxReader. The zero value reads mboxrd.
type MboxOptions struct {
	Quoting MboxQuoting
	// MaxMessageSize bounds the octets of one message; a larger one
	// fails with ErrMboxTooLarge. Default 64 MiB.
	MaxMessageSize int64
}

// ErrMboxTooLarge is returned by MboxMessage.Read when a message passes
// MboxOptions.MaxMessageSize.
var ErrMboxTooLarge = errors.New("migrate: mbox message too large")

// MboxReader splits an mbox file into messages (RFC 4155). A message
// starts at a line "From <address> <date>" that opens the file or follows
// an empty line and whose date parses; other "From " lines are part of a
// message (many writers leave them unquoted). The empty line before a
// separator belongs to the separator, not to the message.
type MboxReader struct {
	br   *bufio.Reader
	opts MboxOptions
	// next is a separator line read while ending the previous message.
	next []byte
	cur  *MboxMessage
	err  error
}

// NewMboxReader returns a reader of the mbox file r.
func NewMboxReader(r io.Reader, opts MboxOptions) *MboxReader {
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxMboxMessage
	}
	return &MboxReader{br: bufio.NewReaderSize(r, 64<<10), opts: opts}
}

// MboxMessage is one message of an mbox file. Read streams its content
// with the quoting removed; it is valid until the next call of Next.
type MboxMessage struct {
	// Sender is the address of the separator line.
	Sender string
	// Date is the date of the separator line: when the message arrived.
	Date time.Time

	r       *MboxReader
	out     []byte
	blank   []byte // a held empty line: emitted unless a separator follows
	lineEnd bool   // at the start of a line
	size    int64
	done    bool
}

// Next returns the next message, skipping what is left of the current
// one, or io.EOF after the last.
func (mr *MboxReader) Next() (*MboxMessage, error) {
	if mr.cur != nil && !mr.cur.done {
		if _, err := io.Copy(io.Discard, mr.cur); err != nil {
			return nil, err
		}
	}
	if mr.err != nil {
		return nil, mr.err
	}
	sep := mr.next
	for sep == nil {
		line, err := mr.br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			mr.err = errOrEOF(err)
			return nil, mr.err
		}
		if s, d, ok := parseSeparator(line); ok {
			mr.cur = &MboxMessage{Sender: s, Date: d, r: mr, lineEnd: true}
			mr.skipRest(line, err)
			return mr.cur, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			mr.err = errOrEOF(err)
			return nil, mr.err
		}
		// Text before the first separator is not an mbox message.
	}
	mr.next = nil
	s, d, _ := parseSeparator(sep)
	mr.cur = &MboxMessage{Sender: s, Date: d, r: mr, lineEnd: true}
	return mr.cur, nil
}

// skipRest discards the rest of an overlong separator line.
func (mr *MboxReader) skipRest(line []byte, err error) {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = mr.br.ReadSlice('\n')
	}
	_ = line
}

func errOrEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	return err
}

// Read reads the message's content.
func (m *MboxMessage) Read(p []byte) (int, error) {
	for len(m.out) == 0 {
		if m.done {
			return 0, io.EOF
		}
		if err := m.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, m.out)
	m.out = m.out[n:]
	return n, nil
}

// fill reads one line (or part of a long one) into m.out.
func (m *MboxMessage) fill() error {
	mr := m.r
	line, err := mr.br.ReadSlice('\n')
	if len(line) == 0 && err != nil {
		m.done = true
		if errors.Is(err, io.EOF) {
			return nil
		}
		mr.err = err
		return err
	}
	start := m.lineEnd
	m.lineEnd = !errors.Is(err, bufio.ErrBufferFull)
	if start && m.blank != nil {
		if _, _, ok := parseSeparator(line); ok {
			mr.next = append([]byte(nil), line...)
			mr.skipRest(line, err)
			m.done = true
			return nil
		}
		m.out = append(m.out[:0], m.blank...)
		m.blank = nil
	}
	switch {
	case start && m.lineEnd && isBlank(line):
		m.blank = append(m.blank[:0], line...)
	case start:
		m.out = append(m.out, unquoteFrom(line, mr.opts.Quoting)...)
	default:
		m.out = append(m.out, line...)
	}
	m.size += int64(len(m.out))
	if m.size > mr.opts.MaxMessageSize {
		mr.err = ErrMboxTooLarge
		return ErrMboxTooLarge
	}
	return nil
}

func isBlank(line []byte) bool {
	return len(line) == 1 || len(line) == 2 && line[0] == '\r'
}

// unquoteFrom removes the quoting of a line starting ">From " (mboxo) or
// any number of ">" then "From " (mboxrd).
func unquoteFrom(line []byte, q MboxQuoting) []byte {
	if len(line) == 0 || line[0] != '>' {
		return line
	}
	rest := line[1:]
	if q == Mboxrd {
		rest = bytes.TrimLeft(rest, ">")
	}
	if bytes.HasPrefix(rest, []byte("From ")) {
		return line[1:]
	}
	return line
}

// separatorLayouts are the date forms found on "From " lines: asctime
// (RFC 4155 section 2), with a zone name or a numeric zone.
var separatorLayouts = []string{
	"Mon Jan _2 15:04:05 2006",
	"Mon Jan _2 15:04:05 MST 2006",
	"Mon Jan _2 15:04:05 -0700 2006",
	"Mon Jan _2 15:04:05 2006 -0700",
	"Mon Jan _2 15:04 2006",
}

// parseSeparator parses a "From <address> <date>" line. The date must
// parse, so that "From here on..." inside a message does not split it.
func parseSeparator(line []byte) (sender string, date time.Time, ok bool) {
	if !bytes.HasPrefix(line, []byte("From ")) || len(line) > 1000 {
		return "", time.Time{}, false
	}
	s := strings.TrimRight(string(line[5:]), "\r\n")
	sender, rest, found := strings.Cut(strings.TrimLeft(s, " "), " ")
	if !found || sender == "" {
		return "", time.Time{}, false
	}
	rest = strings.Join(strings.Fields(rest), " ")
	for _, layout := range separatorLayouts {
		// Extra words after the date ("... 2022 extra info") are
		// allowed: try the date's own number of words.
		n := strings.Count(layout, " ") + 1
		words := strings.SplitN(rest, " ", n+1)
		if len(words) < n {
			continue
		}
		cand := strings.Join(words[:n], " ")
		if d, err := time.Parse(strings.ReplaceAll(layout, "_2", "2"), cand); err == nil {
			return sender, d.UTC(), true
		}
	}
	return "", time.Time{}, false
}

// String describes a message for logs.
func (m *MboxMessage) String() string {
	return fmt.Sprintf("From %s %s", m.Sender, m.Date.Format(time.RFC3339))
}
