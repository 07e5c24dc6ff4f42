package imap

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// msgView is one message under evaluation; the parsed email, header and
// text are loaded only when a key needs them.
type msgView struct {
	s      *session
	seq    uint32
	en     mailstore.Entry
	maxUID uint32
	count  uint32

	email  *mailstore.Email
	header []byte
	raw    []byte
	body   *string
	err    error
}

func (v *msgView) parsed() *msgparse.Message {
	if v.email == nil && v.err == nil {
		v.email, v.err = v.s.store.Email(v.s.ctx, v.s.selAccount(), v.en.EmailID)
	}
	if v.email == nil {
		return nil
	}
	return v.email.Parsed
}

func (v *msgView) rawHeader() []byte {
	if v.header == nil {
		m := v.parsed()
		n := v.en.Size
		if m != nil {
			n = m.HeaderSize
		}
		b, err := v.s.readSpan(v.en.EmailID, span{0, n, true})
		if err != nil {
			v.err = err
		}
		v.header = append(b, 0)[:len(b)]
	}
	return v.header
}

// full returns the whole raw message, read once.
func (v *msgView) full() []byte {
	if v.raw == nil {
		b, err := v.s.readSpan(v.en.EmailID, span{0, v.en.Size, true})
		if err != nil {
			v.err = err
		}
		v.raw = append(b, 0)[:len(b)]
		if v.header == nil {
			n := int64(len(b))
			if m := v.parsed(); m != nil && m.HeaderSize <= n {
				n = m.HeaderSize
			}
			v.header = v.raw[:n]
		}
	}
	return v.raw
}

// bodyText returns the decoded text of the text parts, lower-cased.
func (v *msgView) bodyText() string {
	if v.body != nil {
		return *v.body
	}
	var sb strings.Builder
	m := v.parsed()
	data := v.full()
	if m != nil && m.Root != nil {
		m.Root.Walk(func(p *msgparse.Part) bool {
			if p.Type == "text" && len(p.Children) == 0 {
				writePartText(&sb, p, data)
				sb.WriteByte('\n')
			}
			return true
		})
	} else {
		sb.Write(data)
	}
	text := strings.ToLower(sb.String())
	v.body = &text
	return text
}

// writePartText appends a text part's content: identity encodings and
// UTF-8 or ASCII straight from the raw bytes, others decoded.
func writePartText(sb *strings.Builder, p *msgparse.Part, data []byte) {
	plain := p.Encoding == "" || p.Encoding == "7bit" || p.Encoding == "8bit" ||
		p.Encoding == "binary"
	cs := p.Charset
	if plain && (cs == "" || cs == "us-ascii" || cs == "utf-8") &&
		p.BodyStart >= 0 && p.End <= int64(len(data)) && p.BodyStart <= p.End {
		sb.Write(data[p.BodyStart:p.End])
		return
	}
	b, _ := io.ReadAll(io.LimitReader(p.TextReader(bytes.NewReader(data)), 4<<20))
	sb.Write(b)
}

// search evaluates a key tree over the selected mailbox.
func (s *session) search(root *wire.SearchKey) (searchResult, error) {
	var r searchResult
	m := s.sel
	r.useModSeq = usesModSeq(root)
	if r.useModSeq {
		s.enableCondstore()
	}
	var maxUID uint32
	if n := len(m.msgs); n > 0 {
		maxUID = m.msgs[n-1].UID
	}
	s.textHits = map[*wire.SearchKey]map[uint32]bool{}
	s.indexText(root)
	content := s.needsContent(root)
	var emails []*mailstore.Email
	for i, en := range m.msgs {
		v := &msgView{s: s, seq: uint32(i + 1), en: en, maxUID: maxUID, count: m.count()}
		if content {
			// Load the parsed emails a batch at a time, in one read each.
			if i%searchBatch == 0 {
				emails = s.loadEmails(m.msgs[i:min(i+searchBatch, len(m.msgs))])
			}
			if em := emails[i%searchBatch]; em != nil {
				v.email = em
			}
		}
		if !s.match(v, root) {
			continue
		}
		if v.err != nil && s.ctx.Err() != nil {
			return r, s.ctx.Err()
		}
		r.seqs = append(r.seqs, v.seq)
		r.maxModSeq = max(r.maxModSeq, en.ModSeq)
	}
	return r, nil
}

const searchBatch = 256

func (s *session) loadEmails(msgs []mailstore.Entry) []*mailstore.Email {
	ids := make([]mailstore.EmailID, len(msgs))
	for i, e := range msgs {
		ids[i] = e.EmailID
	}
	ems, err := s.store.Emails(s.ctx, s.selAccount(), ids)
	if err != nil {
		return make([]*mailstore.Email, len(msgs))
	}
	return ems
}

// needsContent reports whether a key reads headers or bodies that the
// index did not answer.
func (s *session) needsContent(k *wire.SearchKey) bool {
	switch k.Op {
	case "SENTBEFORE", "SENTON", "SENTSINCE", "HEADER", "BODY", "TEXT", "THREADID":
		return true
	case "SUBJECT", "FROM", "TO", "CC", "BCC":
		if _, ok := s.textHits[k]; !ok || k.Op != "SUBJECT" {
			return true
		}
	}
	for _, c := range k.Sub {
		if s.needsContent(c) {
			return true
		}
	}
	return false
}

// indexText answers BODY and TEXT keys from the store's full-text index
// (word and word-prefix matches); a key the index cannot run falls back
// to reading the messages.
func (s *session) indexText(k *wire.SearchKey) {
	var f *mailstore.Filter
	if strings.TrimSpace(k.Str) != "" {
		switch k.Op {
		case "BODY":
			f = &mailstore.Filter{Body: k.Str}
		case "TEXT":
			f = &mailstore.Filter{Text: k.Str}
		case "SUBJECT":
			f = &mailstore.Filter{Subject: k.Str}
		case "FROM":
			f = &mailstore.Filter{From: k.Str}
		case "TO":
			f = &mailstore.Filter{To: k.Str}
		case "CC":
			f = &mailstore.Filter{Cc: k.Str}
		case "BCC":
			f = &mailstore.Filter{Bcc: k.Str}
		}
	}
	if f != nil {
		res, err := s.store.Query(s.ctx, s.selAccount(), mailstore.Query{Mailbox: s.sel.mbox.ID,
			Filter: f})
		if err == nil {
			hits := make(map[uint32]bool, len(res.UIDs))
			for _, u := range res.UIDs {
				hits[u] = true
			}
			s.textHits[k] = hits
		}
	}
	for _, c := range k.Sub {
		s.indexText(c)
	}
}

func usesModSeq(k *wire.SearchKey) bool {
	if k.Op == "MODSEQ" {
		return true
	}
	for _, c := range k.Sub {
		if usesModSeq(c) {
			return true
		}
	}
	return false
}

func dateOnly(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

func (s *session) match(v *msgView, k *wire.SearchKey) bool {
	en := v.en
	switch k.Op {
	case "AND":
		for _, c := range k.Sub {
			if !s.match(v, c) {
				return false
			}
		}
		return true
	case "OR":
		return s.match(v, k.Sub[0]) || s.match(v, k.Sub[1])
	case "NOT":
		return !s.match(v, k.Sub[0])
	case "ALL":
		return true
	case "OLD":
		return !s.sel.recent[en.UID]
	case "RECENT":
		return s.sel.recent[en.UID]
	case "NEW":
		return s.sel.recent[en.UID] && !hasKeyword(en.Keywords, "$seen")
	case "SEQ":
		if k.Set.Saved {
			return containsUID(s.saved, en.UID)
		}
		return k.Set.Contains(v.seq, v.count)
	case "UID":
		if k.Set.Saved {
			return containsUID(s.saved, en.UID)
		}
		return k.Set.Contains(en.UID, v.maxUID)
	case "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN":
		return hasKeyword(en.Keywords, "$"+strings.ToLower(k.Op))
	case "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
		return !hasKeyword(en.Keywords, "$"+strings.ToLower(k.Op[2:]))
	case "KEYWORD", "UNKEYWORD":
		kw, ok := storeKeyword(k.Str)
		has := ok && hasKeyword(en.Keywords, kw)
		return has == (k.Op == "KEYWORD")
	case "LARGER":
		return uint64(en.Size) > k.Num
	case "SMALLER":
		return uint64(en.Size) < k.Num
	case "MODSEQ":
		return en.ModSeq >= k.Num
	case "BEFORE":
		return dateOnly(en.Received).Before(k.Date)
	case "ON":
		return dateOnly(en.Received).Equal(k.Date)
	case "SINCE":
		return !dateOnly(en.Received).Before(k.Date)
	case "OLDER":
		return time.Since(en.Received) >= time.Duration(k.Num)*time.Second
	case "YOUNGER":
		return time.Since(en.Received) <= time.Duration(k.Num)*time.Second
	case "EMAILID":
		return string(en.EmailID) == k.Str
	case "THREADID":
		m := v.parsed()
		return m != nil && v.email != nil && string(v.email.ThreadID) == k.Str
	}
	return s.matchContent(v, k)
}

// matchContent evaluates keys that read the message's header or body.
func (s *session) matchContent(v *msgView, k *wire.SearchKey) bool {
	switch k.Op {
	case "SENTBEFORE", "SENTON", "SENTSINCE":
		m := v.parsed()
		if m == nil {
			return false
		}
		d := m.Date
		if d.IsZero() {
			d = v.en.Received
		}
		day := dateOnly(d)
		switch k.Op {
		case "SENTBEFORE":
			return day.Before(k.Date)
		case "SENTON":
			return day.Equal(k.Date)
		}
		return !day.Before(k.Date)
	case "SUBJECT":
		if hits, ok := s.textHits[k]; ok {
			return hits[v.en.UID]
		}
		if m := v.parsed(); m != nil {
			return strings.Contains(strings.ToLower(m.Subject), strings.ToLower(k.Str))
		}
		return headerContains(v.rawHeader(), "Subject", k.Str)
	case "FROM", "TO", "CC", "BCC":
		if hits, ok := s.textHits[k]; ok && hits[v.en.UID] {
			return true
		}
		if m := v.parsed(); m != nil && addressesContain(m, k.Op, k.Str) {
			return true
		}
		return headerContains(v.rawHeader(), k.Op, k.Str)
	case "HEADER":
		return headerContains(v.rawHeader(), k.Str, k.Value)
	case "BODY":
		if hits, ok := s.textHits[k]; ok && hits[v.en.UID] {
			return true
		}
		return k.Str == "" || strings.Contains(v.bodyText(), strings.ToLower(k.Str))
	case "TEXT":
		if k.Str == "" {
			return true
		}
		needle := strings.ToLower(k.Str)
		if hits, ok := s.textHits[k]; ok && hits[v.en.UID] {
			return true
		}
		v.full()
		if strings.Contains(strings.ToLower(msgparse.DecodeHeader(string(v.rawHeader()))),
			needle) {
			return true
		}
		return strings.Contains(v.bodyText(), needle)
	}
	return false
}

// headerContains reports whether a field named name exists whose decoded
// value contains needle, case-insensitively (RFC 9051 section 6.4.4). An
// empty needle matches any message with the field.
func headerContains(hdr []byte, name, needle string) bool {
	needle = strings.ToLower(needle)
	found := false
	eachField(hdr, func(fname, value []byte) bool {
		if !strings.EqualFold(string(fname), name) {
			return true
		}
		if needle == "" {
			found = true
			return false
		}
		dec := strings.ToLower(msgparse.DecodeHeader(unfold(value)))
		if strings.Contains(dec, needle) {
			found = true
			return false
		}
		return true
	})
	return found
}

func unfold(v []byte) string {
	s := strings.ReplaceAll(string(v), "\r\n", "")
	s = strings.ReplaceAll(s, "\n", "")
	return strings.TrimSpace(s)
}

// eachField calls fn with the name and raw value of each header field.
func eachField(hdr []byte, fn func(name, value []byte) bool) {
	for len(hdr) > 0 {
		end := 0
		for {
			i := bytes.IndexByte(hdr[end:], '\n')
			if i < 0 {
				end = len(hdr)
				break
			}
			end += i + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		field := hdr[:end]
		hdr = hdr[end:]
		name, value, ok := bytes.Cut(field, []byte(":"))
		if !ok {
			if len(bytes.TrimSpace(field)) == 0 {
				return
			}
			continue
		}
		if !fn(bytes.TrimSpace(name), value) {
			return
		}
	}
}

// addressesContain matches the parsed addresses of a field, written as
// "Name <mailbox@host>", which sees through comments and encodings.
func addressesContain(m *msgparse.Message, field, needle string) bool {
	var list []msgparse.Address
	switch field {
	case "FROM":
		list = m.From
	case "TO":
		list = m.To
	case "CC":
		list = m.Cc
	case "BCC":
		list = m.Bcc
	}
	needle = strings.ToLower(needle)
	for _, a := range list {
		text := strings.ToLower(a.Name + " <" + a.Addr() + ">")
		if strings.Contains(text, needle) {
			return true
		}
	}
	return false
}
