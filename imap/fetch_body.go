package imap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// span is a byte range of the raw message; ok is false when the section
// does not exist.
type span struct {
	off, n int64
	ok     bool
}

// sectionSpan finds the bytes of a body section (RFC 9051 section 6.4.5).
// HEADER.FIELDS sections return the header block to filter.
func sectionSpan(m *msgparse.Message, size int64, sec wire.Section) span {
	if m == nil || m.Root == nil {
		if len(sec.Path) == 0 && sec.Specifier == "" {
			return span{0, size, true}
		}
		return span{}
	}
	if len(sec.Path) == 0 {
		switch sec.Specifier {
		case "":
			return span{0, size, true}
		case "TEXT":
			return span{m.HeaderSize, size - m.HeaderSize, true}
		default:
			return span{0, m.HeaderSize, true}
		}
	}
	part := m.Section(sec.Path)
	if part == nil {
		return span{}
	}
	switch sec.Specifier {
	case "":
		off, n := part.BodyRange()
		return span{off, n, true}
	case "MIME":
		off, n := part.MIMERange()
		return span{off, n, true}
	}
	inner := part.Message
	if inner == nil || inner.Root == nil {
		return span{}
	}
	r := inner.Root
	if sec.Specifier == "TEXT" {
		return span{r.BodyStart, part.End - r.BodyStart, true}
	}
	return span{r.HeaderStart, r.BodyStart - r.HeaderStart, true}
}

// rawAt reads a stored message at random offsets (for BINARY decoding).
type rawAt struct {
	ctx     context.Context
	st      *mailstore.Store
	account string
	id      mailstore.EmailID
}

func (r rawAt) ReadAt(p []byte, off int64) (int, error) {
	rc, err := r.st.Open(r.ctx, r.account, r.id, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// readSpan reads a span into memory.
func (s *session) readSpan(id mailstore.EmailID, sp span) ([]byte, error) {
	rc, err := s.store.Open(s.ctx, s.selAccount(), id, sp.off, sp.n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, sp.n))
}

// fetchBody writes a body section, BINARY section or RFC822 item.
func (s *session) fetchBody(en mailstore.Entry, em *mailstore.Email, it wire.FetchItem) error {
	var m *msgparse.Message
	if em != nil {
		m = em.Parsed
	}
	sec := it.Section
	name := ""
	switch it.Name {
	case "RFC822":
		name = "RFC822"
	case "RFC822.HEADER":
		name, sec = "RFC822.HEADER", wire.Section{Specifier: "HEADER"}
	case "RFC822.TEXT":
		name, sec = "RFC822.TEXT", wire.Section{Specifier: "TEXT"}
	case "BINARY[]", "BINARY.SIZE":
		return s.fetchBinary(en, m, it)
	default:
		name = "BODY[" + sec.String() + "]"
	}
	e := s.c.enc
	sp := sectionSpan(m, en.Size, sec)
	if !sp.ok {
		e.Raw(name)
		if it.Partial != nil {
			e.Byte('<').Number(it.Partial.Offset).Byte('>')
		}
		e.Raw(` ""`)
		return nil
	}
	if strings.HasPrefix(sec.Specifier, "HEADER.FIELDS") {
		hdr, err := s.readSpan(en.EmailID, sp)
		if s.expunged(err) {
			e.Raw(name).Raw(" NIL")
			return nil
		}
		if err != nil {
			return err
		}
		e.Raw(name)
		data := filterHeader(hdr, sec.Fields, sec.Specifier == "HEADER.FIELDS.NOT")
		writePartialBytes(e, data, it.Partial, false)
		return nil
	}
	if it.Partial != nil {
		off := int64(it.Partial.Offset)
		if off >= sp.n {
			e.Raw(name).Byte('<').Number(it.Partial.Offset).Raw(`> ""`)
			return nil
		}
		sp.off += off
		sp.n = min(sp.n-off, int64(it.Partial.Count))
	}
	// The message is opened before anything of the item is written, so
	// that a message expunged meanwhile still gets a well-formed answer.
	var rc io.ReadCloser
	if sp.n > 0 {
		var err error
		rc, err = s.store.Open(s.ctx, s.selAccount(), en.EmailID, sp.off, sp.n)
		if s.expunged(err) {
			e.Raw(name).Raw(" NIL")
			return nil
		}
		if err != nil {
			return err
		}
		defer rc.Close()
	}
	e.Raw(name)
	if it.Partial != nil {
		e.Byte('<').Number(it.Partial.Offset).Byte('>')
	}
	e.SP()
	if rc == nil {
		e.Raw(`""`)
		return nil
	}
	e.Literal(rc, sp.n, false)
	return nil
}

// expunged reports whether err says that the message is gone, expunged by
// another session after this one last saw the mailbox; the FETCH then ends
// with OK [EXPUNGEISSUED] (RFC 9051 section 7.1).
func (s *session) expunged(err error) bool {
	if err == nil || !errors.Is(err, mailstore.ErrNotFound) {
		return false
	}
	s.okCode = "EXPUNGEISSUED"
	return true
}

// writePartialBytes writes "<origin>" when partial, then data as a literal.
func writePartialBytes(e *wire.Encoder, data []byte, p *wire.Partial, binary bool) {
	if p != nil {
		e.Byte('<').Number(p.Offset).Byte('>')
		off := int64(p.Offset)
		if off >= int64(len(data)) {
			data = nil
		} else {
			data = data[off:min(int64(len(data)), off+int64(p.Count))]
		}
	}
	e.SP()
	if len(data) == 0 {
		e.Raw(`""`)
		return
	}
	e.Literal(bytes.NewReader(data), int64(len(data)), binary && bytes.IndexByte(data, 0) >= 0)
}

// filterHeader keeps (or drops, with not) the named fields of a header
// block and ends it with the blank line.
func filterHeader(hdr []byte, names []string, not bool) []byte {
	var out bytes.Buffer
	keep := false
	for len(hdr) > 0 {
		i := bytes.IndexByte(hdr, '\n')
		line := hdr
		if i >= 0 {
			line = hdr[:i+1]
		}
		hdr = hdr[len(line):]
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(trimmed, []byte(":"))
			match := false
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(string(name)), n) {
					match = true
					break
				}
			}
			keep = match != not
		}
		if keep {
			out.Write(trimmed)
			out.WriteString("\r\n")
		}
	}
	out.WriteString("\r\n")
	return out.Bytes()
}

// fetchBinary writes BINARY[section] or BINARY.SIZE[section] (RFC 3516):
// the part's content with its transfer encoding undone.
func (s *session) fetchBinary(en mailstore.Entry, m *msgparse.Message, it wire.FetchItem) error {
	e := s.c.enc
	data, err := s.binaryContent(en, m, it.Section)
	if s.expunged(err) {
		if it.Name == "BINARY.SIZE" {
			e.Raw("BINARY.SIZE[").Raw(it.Section.String()).Raw("] 0")
		} else {
			e.Raw("BINARY[").Raw(it.Section.String()).Raw("] NIL")
		}
		return nil
	}
	if err != nil {
		return err
	}
	if it.Name == "BINARY.SIZE" {
		e.Raw("BINARY.SIZE[").Raw(it.Section.String()).Raw("] ").Number64(uint64(len(data)))
		return nil
	}
	e.Raw("BINARY[").Raw(it.Section.String()).Raw("]")
	writePartialBytes(e, data, it.Partial, true)
	return nil
}

func (s *session) binaryContent(en mailstore.Entry, m *msgparse.Message,
	sec wire.Section) ([]byte, error) {
	if len(sec.Path) == 0 || m == nil {
		return s.readSpan(en.EmailID, span{0, en.Size, true})
	}
	part := m.Section(sec.Path)
	if part == nil {
		return nil, nil
	}
	if part.IsMultipart() || part.Message != nil {
		off, n := part.BodyRange()
		return s.readSpan(en.EmailID, span{off, n, true})
	}
	switch part.Encoding {
	case "", "7bit", "8bit", "binary", "base64", "quoted-printable":
	default:
		return nil, errNo("UNKNOWN-CTE", "Unknown content transfer encoding")
	}
	raw := rawAt{ctx: s.ctx, st: s.store, account: s.selAccount(), id: en.EmailID}
	return io.ReadAll(io.LimitReader(part.BodyReader(raw), s.c.srv.opts.AppendLimit))
}
