package msgparse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// codecVersion opens the stored form; a new layout takes a new number.
const codecVersion = 1

// ErrBadEncoding is returned by UnmarshalBinary for bytes that are not a
// stored Message of a known version.
var ErrBadEncoding = errors.New("msgparse: bad stored message")

// commonStrings are stored as one-byte references.
var commonStrings = []string{
	"text", "plain", "html", "multipart", "mixed", "alternative", "related",
	"message", "rfc822", "application", "octet-stream", "image", "jpeg",
	"png", "gif", "pdf", "7bit", "8bit", "base64", "quoted-printable",
	"binary", "us-ascii", "utf-8", "iso-8859-1", "windows-1252",
	"attachment", "inline", "charset", "boundary", "name", "filename",
	"signed", "pgp-signature", "report", "delivery-status", "calendar",
	"iso-8859-15", "iso-2022-jp", "digest", "global", "csv", "xml",
	"format", "flowed", "delsp", "yes", "no", "type", "protocol",
	string(DefectMissingCloseDelimiter), string(DefectMissingBoundary),
	string(DefectEmptyMultipart), string(DefectNoHeaderSeparator),
	string(DefectBadHeaderLine), string(DefectHeaderTooLong),
	string(DefectTooDeep), string(DefectTooManyParts), string(DefectUnknownCharset),
	string(DefectEncodedMessage),
}

var commonIndex = func() map[string]int {
	m := make(map[string]int, len(commonStrings))
	for i, s := range commonStrings {
		m[s] = i
	}
	return m
}()

// MarshalBinary encodes the message compactly for storage: everything but
// Part.Text.
func (m *Message) MarshalBinary() ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 512)}
	e.buf = append(e.buf, codecVersion)
	e.message(m)
	return e.buf, nil
}

// AppendBinary appends the stored form of m to b.
func (m *Message) AppendBinary(b []byte) ([]byte, error) {
	e := encoder{buf: append(b, codecVersion)}
	e.message(m)
	return e.buf, nil
}

// UnmarshalBinary reads what MarshalBinary wrote. The strings of the
// result share one copy of data.
func (m *Message) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != codecVersion {
		return ErrBadEncoding
	}
	d := decoder{s: string(data[1:])}
	d.message(m, 0)
	if d.err != nil {
		return fmt.Errorf("decode message: %w", d.err)
	}
	return nil
}

type encoder struct{ buf []byte }

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }

// str writes 0 for "", 2i+1 for common string i, 2n then the bytes.
func (e *encoder) str(s string) {
	if s == "" {
		e.uint(0)
		return
	}
	if i, ok := commonIndex[s]; ok {
		e.uint(uint64(2*i + 1))
		return
	}
	e.uint(uint64(2 * len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) strs(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

func (e *encoder) params(p map[string]string) {
	e.uint(uint64(len(p)))
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.str(p[k])
	}
}

// addrRouted marks, in the kind byte of an encoded address, a source
// route written after the host; addresses without one read as before.
const addrRouted = 0x80

func (e *encoder) addrs(list []Address) {
	e.uint(uint64(len(list)))
	for _, a := range list {
		kind := byte(a.Kind)
		if a.Route != "" {
			kind |= addrRouted
		}
		e.buf = append(e.buf, kind)
		e.str(a.Name)
		e.str(a.Mailbox)
		e.str(a.Host)
		if a.Route != "" {
			e.str(a.Route)
		}
	}
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.uint(0)
		return
	}
	_, off := t.Zone()
	e.uint(1)
	e.int(t.Unix())
	e.int(int64(off / 60))
}

// Flags of the stored message: which fields equal what the decoder can
// derive cheaply from the envelope, and so are not written.
const (
	flagTruncated    = 1 << iota
	flagSubjectSame  // Subject == Envelope.Subject
	flagThreadSame   // ThreadSubject == Subject
	flagMsgIDDerived // MessageID is Envelope.MessageID without brackets
	flagAddrsDerived // the address lists are the envelope's mailboxes
)

func (e *encoder) message(m *Message) {
	e.uint(uint64(m.Size))
	e.uint(uint64(m.HeaderSize))
	flags := messageFlags(m)
	e.uint(flags)
	e.envelope(&m.Envelope)
	if flags&flagAddrsDerived == 0 {
		for _, l := range [][]Address{m.From, m.Sender, m.ReplyTo, m.To, m.Cc, m.Bcc} {
			e.addrs(l)
		}
	}
	if flags&flagMsgIDDerived == 0 {
		e.str(m.MessageID)
	}
	e.strs(m.InReplyTo)
	e.strs(m.References)
	if flags&flagSubjectSame == 0 {
		e.str(m.Subject)
	}
	if flags&flagThreadSame == 0 {
		e.str(m.ThreadSubject)
	}
	e.time(m.Date)
	e.str(m.Preview)
	e.uint(uint64(len(m.Defects)))
	for _, d := range m.Defects {
		e.str(string(d))
	}
	e.tree(m)
}

func (e *encoder) envelope(env *Envelope) {
	e.str(env.Date)
	e.str(env.Subject)
	for _, l := range [][]Address{env.From, env.Sender, env.ReplyTo, env.To, env.Cc, env.Bcc} {
		e.addrs(l)
	}
	e.str(env.InReplyTo)
	e.str(env.MessageID)
}

// messageFlags computes the flags of the stored form.
func messageFlags(m *Message) uint64 {
	env := &m.Envelope
	flags := uint64(0)
	if m.Truncated {
		flags |= flagTruncated
	}
	if m.Subject == env.Subject {
		flags |= flagSubjectSame
	}
	if m.ThreadSubject == m.Subject {
		flags |= flagThreadSame
	}
	if m.MessageID == bareID(env.MessageID) {
		flags |= flagMsgIDDerived
	}
	if addrsDerived(m) {
		flags |= flagAddrsDerived
	}
	return flags
}

// tree writes the part tree and the body lists as indexes into it.
func (e *encoder) tree(m *Message) {
	index := map[*Part]int{}
	if m.Root != nil {
		e.uint(1)
		e.part(m.Root, 0, index)
	} else {
		e.uint(0)
	}
	for _, l := range [][]*Part{m.TextBody, m.HTMLBody, m.Attachments} {
		e.uint(uint64(len(l)))
		for _, p := range l {
			e.uint(uint64(index[p]))
		}
	}
}

// part writes p and its subtree; index numbers the parts of this
// message's tree in pre-order, for the body lists.
func (e *encoder) part(p *Part, base int64, index map[*Part]int) {
	index[p] = len(index)
	e.str(p.Type)
	e.str(p.Subtype)
	e.params(p.Params)
	e.str(p.ID)
	e.str(p.Description)
	e.str(p.MD5)
	e.str(p.Encoding)
	e.str(p.Disposition)
	e.params(p.DispositionParams)
	e.strs(p.Language)
	e.str(p.Location)
	e.int(p.HeaderStart - base)
	e.uint(uint64(p.BodyStart - p.HeaderStart))
	e.uint(uint64(p.End - p.BodyStart))
	e.uint(uint64(p.Lines))
	e.str(p.Charset)
	e.str(p.Filename)
	e.uint(uint64(len(p.Children)))
	for _, c := range p.Children {
		e.part(c, p.BodyStart, index)
	}
	if p.Message != nil {
		e.uint(1)
		e.message(p.Message)
	} else {
		e.uint(0)
	}
}

// bareID strips the angle brackets of a lone msg-id, or returns "\x00"
// (which no parsed id equals) when the value is not that simple.
func bareID(v string) string {
	if len(v) > 2 && v[0] == '<' && v[len(v)-1] == '>' &&
		strings.IndexAny(v[1:len(v)-1], "<> \t\r\n()\"") < 0 {
		return v[1 : len(v)-1]
	}
	return "\x00"
}

// addrsDerived reports whether each address list of m is its envelope's
// list without group markers, names unchanged.
func addrsDerived(m *Message) bool {
	env := &m.Envelope
	pairs := [][2][]Address{{env.From, m.From}, {env.Sender, m.Sender},
		{env.ReplyTo, m.ReplyTo}, {env.To, m.To}, {env.Cc, m.Cc}, {env.Bcc, m.Bcc}}
	for _, p := range pairs {
		if !slices.Equal(envMailboxes(p[0]), p[1]) {
			return false
		}
	}
	return true
}

// envMailboxes returns the mailboxes of an envelope list as they are.
func envMailboxes(list []Address) []Address {
	var out []Address
	for _, a := range list {
		if a.Kind == KindMailbox {
			out = append(out, a)
		}
	}
	return out
}
