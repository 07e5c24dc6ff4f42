package mailstore

import (
	"bufio"
	"bytes"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// prepared is a filter condition made ready to run: strings folded, ids
// resolved, full-text words looked up.
type prepared struct {
	inMailbox         uint32
	inMailboxMissing  bool
	inScope           bool
	otherThan         map[uint32]bool
	hasKw, notKw      string
	from, to, cc, bcc []byte // folded needles
	subject           []byte
	body, text        emailSet // nil when not asked
	hdrName, hdrValue string
	hasHdr            bool
}

// maxFilterDepth bounds the nesting of filter operators a client can send.
const maxFilterDepth = 32

func (x *queryExec) prepare(f *Filter) error { return x.prepareDepth(f, 0) }

func (x *queryExec) prepareDepth(f *Filter, depth int) error {
	if f == nil {
		return nil
	}
	if depth > maxFilterDepth {
		return fmt.Errorf("filter nested too deep: %w", ErrInvalidQuery)
	}
	if f.Operator != "" {
		switch f.Operator {
		case FilterAnd, FilterOr, FilterNot:
		default:
			return fmt.Errorf("filter operator %q: %w", f.Operator, ErrInvalidQuery)
		}
		for _, c := range f.Conditions {
			if err := x.prepareDepth(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	p, err := x.prepareCondition(f)
	if err != nil {
		return err
	}
	x.prep[f] = p
	return nil
}

func (x *queryExec) prepareCondition(f *Filter) (*prepared, error) {
	if len(f.UIDs) > 0 && x.q.Mailbox == "" {
		return nil, fmt.Errorf("UID ranges without a mailbox: %w", ErrInvalidQuery)
	}
	p := &prepared{}
	if f.InMailbox != "" {
		m, ok := f.InMailbox.num()
		p.inMailbox, p.inMailboxMissing = m, !ok
		// Within the scanned mailbox the condition always holds.
		p.inScope = ok && m == x.scope
	}
	if len(f.InMailboxOtherThan) > 0 {
		p.otherThan = map[uint32]bool{}
		for _, id := range f.InMailboxOtherThan {
			if m, ok := id.num(); ok {
				p.otherThan[m] = true
			}
		}
	}
	var err error
	if f.HasKeyword != "" {
		if p.hasKw, err = NormalizeKeyword(f.HasKeyword); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
	}
	if f.NotKeyword != "" {
		if p.notKw, err = NormalizeKeyword(f.NotKeyword); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
	}
	needle := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(x.f.fold(s))
	}
	p.from, p.to, p.cc = needle(f.From), needle(f.To), needle(f.Cc)
	p.bcc, p.subject = needle(f.Bcc), needle(f.Subject)
	if f.Body != "" {
		if p.body, err = x.fullText(f.Body, fieldBody, f.Stemmed); err != nil {
			return nil, err
		}
	}
	if f.Text != "" {
		all := fieldBody | fieldSubject | fieldAddress | fieldAttach
		if p.text, err = x.fullText(f.Text, all, f.Stemmed); err != nil {
			return nil, err
		}
	}
	if len(f.Header) > 0 {
		p.hasHdr = true
		p.hdrName = textproto.CanonicalMIMEHeaderKey(f.Header[0])
		if len(f.Header) > 1 {
			p.hdrValue = x.f.fold(f.Header[1])
		}
	}
	return p, nil
}

// fullText returns the emails holding every word of s in the fields (or,
// when stemmed, a word of its stem); nil when s has no words.
func (x *queryExec) fullText(s string, fields byte, stemmed bool) (emailSet, error) {
	var set emailSet
	for i, w := range queryWords(x.f, s) {
		got, err := searchTerm(x.tx, x.a, w, fields, false)
		if err != nil {
			return nil, err
		}
		if stem := x.s.stemmer.stem(w); stemmed && stem != "" {
			// The words whose stem is stem: those indexed with it, and
			// stem itself, which is its own stem.
			for _, t := range []string{stemMark + stem, stem} {
				more, err := searchTerm(x.tx, x.a, t, fields, true)
				if err != nil {
					return nil, err
				}
				got = got.or(more)
			}
		}
		if i == 0 {
			set = got
		} else {
			set = set.and(got)
		}
	}
	return set, nil
}

// match evaluates a filter node on a candidate.
func (x *queryExec) match(f *Filter, v *view) (bool, error) {
	if f == nil {
		return true, nil
	}
	switch f.Operator {
	case FilterAnd:
		for _, sub := range f.Conditions {
			if ok, err := x.match(sub, v); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case FilterOr:
		for _, sub := range f.Conditions {
			if ok, err := x.match(sub, v); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case FilterNot:
		for _, sub := range f.Conditions {
			if ok, err := x.match(sub, v); err != nil || ok {
				return false, err
			}
		}
		return true, nil
	}
	return x.matchCondition(f, x.prep[f], v)
}

// matchCondition checks the fields of a condition, cheapest first.
func (x *queryExec) matchCondition(f *Filter, p *prepared, v *view) (bool, error) {
	if !matchEntry(f, p, v) {
		return false, nil
	}
	if p.body != nil && !p.body.has(v.e) || p.text != nil && !p.text.has(v.e) {
		return false, nil
	}
	if !contains(v.subject, p.subject) || !contains(v.from, p.from) {
		return false, nil
	}
	if !needsEmail(f, p) {
		return true, nil
	}
	if err := x.full(v); err != nil {
		return false, err
	}
	if !matchEmail(f, p, v.full) {
		return false, nil
	}
	if p.hasHdr {
		return x.matchHeader(p, v)
	}
	return true, nil
}

// matchEntry checks what a mailbox entry holds.
func matchEntry(f *Filter, p *prepared, v *view) bool {
	if p.hasKw != "" && !hasKw(v.kws, p.hasKw) || p.notKw != "" && hasKw(v.kws, p.notKw) {
		return false
	}
	if !f.Before.IsZero() && v.received >= unix(f.Before) ||
		!f.After.IsZero() && v.received < unix(f.After) {
		return false
	}
	if !f.SentBefore.IsZero() && v.sent >= unix(f.SentBefore) ||
		!f.SentAfter.IsZero() && v.sent < unix(f.SentAfter) {
		return false
	}
	if f.MinSize > 0 && v.size < f.MinSize || f.MaxSize > 0 && v.size >= f.MaxSize {
		return false
	}
	if f.MinModSeq > 0 && v.modseq < f.MinModSeq {
		return false
	}
	if len(f.UIDs) > 0 && !inRanges(f.UIDs, v.uid) {
		return false
	}
	return true
}

func inRanges(rs []UIDRange, uid uint32) bool {
	for _, r := range rs {
		if uid >= r.Lo && uid <= r.Hi {
			return true
		}
	}
	return false
}

func needsEmail(f *Filter, p *prepared) bool {
	return f.InMailbox != "" && !p.inScope || p.otherThan != nil ||
		p.to != nil || p.cc != nil || p.bcc != nil || p.hasHdr
}

func matchEmail(f *Filter, p *prepared, fv *fullView) bool {
	if f.InMailbox != "" && !p.inScope &&
		(p.inMailboxMissing || !inLinks(fv.links, p.inMailbox)) {
		return false
	}
	if p.otherThan != nil {
		other := false
		eachLink(fv.links, func(m uint32) bool {
			other = !p.otherThan[m]
			return !other
		})
		if !other {
			return false
		}
	}
	return contains(fv.to, p.to) && contains(fv.cc, p.cc) && contains(fv.bcc, p.bcc)
}

// contains reports whether haystack holds needle; a nil needle always
// matches.
func contains(haystack, needle []byte) bool {
	return needle == nil || bytes.Contains(haystack, needle)
}

// maxHeaderRead caps the octets of header read for a header condition.
const maxHeaderRead = 256 << 10

// matchHeader reads the message's header from the blob store and looks
// for the field (RFC 8621 section 4.4.1 "header").
func (x *queryExec) matchHeader(p *prepared, v *view) (bool, error) {
	var h store.Hash
	copy(h[:], v.full.blob)
	rc, err := x.s.blobs.Open(x.ctx, h, 0, maxHeaderRead)
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	defer rc.Close()
	hdr, _ := textproto.NewReader(bufio.NewReader(rc)).ReadMIMEHeader()
	vals, ok := hdr[p.hdrName]
	if !ok {
		return false, nil
	}
	if p.hdrValue == "" {
		return true, nil
	}
	for _, val := range vals {
		if strings.Contains(x.f.fold(msgparse.DecodeHeader(val)), p.hdrValue) {
			return true, nil
		}
	}
	return false, nil
}
