package imap

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// catPart is one part of an APPEND CATENATE (RFC 4469): literal text or an
// IMAP URL of a message or section on this server.
type catPart struct {
	text []byte
	url  string
}

// parseCatenate reads "(TEXT literal / URL url ...)" after CATENATE.
func parseCatenate(p *parser) ([]catPart, error) {
	var parts []catPart
	d := p.d
	err := d.List(0, func() error {
		kind, err := d.Atom()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		switch strings.ToUpper(kind) {
		case "TEXT":
			saved := d.MaxLiteral
			d.MaxLiteral = p.appendLimit
			lit, err := d.Literal()
			d.MaxLiteral = saved
			parts = append(parts, catPart{text: lit})
			return err
		case "URL":
			u, err := d.AString()
			parts = append(parts, catPart{url: u})
			return err
		}
		return &wire.SyntaxError{Msg: "expected TEXT or URL in CATENATE"}
	})
	if err == nil && len(parts) == 0 {
		err = &wire.SyntaxError{Msg: "empty CATENATE"}
	}
	return parts, err
}

// catenate builds the message of a CATENATE append.
func (s *session) catenate(parts []catPart) ([]byte, error) {
	var buf bytes.Buffer
	for _, p := range parts {
		if p.url == "" {
			buf.Write(p.text)
		} else {
			data, err := s.fetchURL(p.url)
			if err != nil {
				return nil, err
			}
			buf.Write(data)
		}
		if int64(buf.Len()) > s.c.srv.opts.AppendLimit {
			return nil, errNo("TOOBIG", "Message too big")
		}
	}
	return buf.Bytes(), nil
}

// imapURL is the part of an IMAP URL (RFC 5092) that CATENATE uses.
type imapURL struct {
	mailbox     string
	uidValidity uint32
	uid         uint32
	section     string
	partial     *wire.Partial
}

func parseIMAPURL(raw string) (imapURL, error) {
	var u imapURL
	bad := errNo("BADURL "+raw, "Invalid IMAP URL")
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			return u, bad
		}
		raw = rest[slash:]
	}
	if !strings.HasPrefix(raw, "/") {
		return u, bad
	}
	segs := strings.Split(raw[1:], "/;")
	mbox, params, _ := strings.Cut(segs[0], ";")
	name, err := url.PathUnescape(strings.TrimSuffix(mbox, "/"))
	if err != nil || name == "" {
		return u, bad
	}
	u.mailbox = normalizeMailbox(name)
	if v, ok := strings.CutPrefix(strings.ToLower(params), "uidvalidity="); ok {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return u, bad
		}
		u.uidValidity = uint32(n)
	}
	for _, seg := range segs[1:] {
		k, v, _ := strings.Cut(seg, "=")
		v = strings.TrimSuffix(v, "/")
		switch strings.ToLower(k) {
		case "uid":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return u, bad
			}
			u.uid = uint32(n)
		case "section":
			sec, err := url.PathUnescape(v)
			if err != nil {
				return u, bad
			}
			u.section = sec
		case "partial":
			o, l, _ := strings.Cut(v, ".")
			off, err1 := strconv.ParseUint(o, 10, 32)
			cnt, err2 := strconv.ParseUint(l, 10, 32)
			if err1 != nil || (l != "" && err2 != nil) {
				return u, bad
			}
			u.partial = &wire.Partial{Offset: uint32(off), Count: uint32(cnt)}
		default:
			return u, bad
		}
	}
	if u.uid == 0 {
		return u, bad
	}
	return u, nil
}

// fetchURL returns the octets an IMAP URL names in this account or in a
// mailbox another account shares with the "r" right (RFC 4314 section 4).
func (s *session) fetchURL(raw string) ([]byte, error) {
	u, err := parseIMAPURL(raw)
	if err != nil {
		return nil, err
	}
	bad := errNo("BADURL "+raw, "URL does not name a message here")
	ref, err := s.lookupMailbox(u.mailbox)
	if err == nil {
		err = ref.need(mailstore.RightRead)
	}
	mb := ref.mb
	if err != nil || (u.uidValidity != 0 && u.uidValidity != mb.UIDValidity) {
		return nil, bad
	}
	entries, _, err := s.store.List(s.ctx, ref.owner, mb.ID)
	if err != nil {
		return nil, err
	}
	var en *mailstore.Entry
	for i := range entries {
		if entries[i].UID == u.uid {
			en = &entries[i]
		}
	}
	if en == nil {
		return nil, bad
	}
	em, err := s.store.Email(s.ctx, ref.owner, en.EmailID)
	if err != nil {
		return nil, bad
	}
	sec, err := wire.ParseSectionText(strings.ToUpper(u.section))
	if err != nil {
		return nil, bad
	}
	data, err := s.sectionBytes(ref.owner, *en, em, sec)
	if err != nil {
		return nil, err
	}
	if p := u.partial; p != nil {
		off := min(int(p.Offset), len(data))
		end := len(data)
		if p.Count > 0 {
			end = min(end, off+int(p.Count))
		}
		data = data[off:end]
	}
	return data, nil
}

// sectionBytes reads a body section of a message of account into memory.
func (s *session) sectionBytes(account string, en mailstore.Entry, em *mailstore.Email,
	sec wire.Section) ([]byte, error) {
	sp := sectionSpan(em.Parsed, en.Size, sec)
	if !sp.ok {
		return nil, errors.New("imap: no such section")
	}
	rc, err := s.store.Open(s.ctx, account, en.EmailID, sp.off, sp.n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, sp.n))
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(sec.Specifier, "HEADER.FIELDS") {
		data = filterHeader(data, sec.Fields, sec.Specifier == "HEADER.FIELDS.NOT")
	}
	return data, nil
}
