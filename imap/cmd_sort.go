package imap

import (
	"sort"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// sortArgs are SORT arguments (RFC 5256 section 3, RFC 5957 DISPLAYFROM
// and DISPLAYTO, RFC 5267 RETURN).
type sortArgs struct {
	search   searchArgs
	criteria []sortCriterion
}

type sortCriterion struct {
	key     string
	reverse bool
}

func parseSort(p *parser) (any, error) {
	var a sortArgs
	d := p.d
	if err := d.SP(); err != nil {
		return nil, err
	}
	if d.AcceptWord("RETURN") {
		if err := parseReturn(d, &a.search); err != nil {
			return nil, err
		}
	}
	var err error
	if a.criteria, err = parseSortCriteria(d); err != nil {
		return nil, err
	}
	if len(a.criteria) == 0 {
		return nil, &wire.SyntaxError{Msg: "empty sort criteria"}
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	cs, err := d.AString()
	if err != nil {
		return nil, err
	}
	a.search.charset = cs
	if err := d.SP(); err != nil {
		return nil, err
	}
	a.search.keys, err = wire.ParseSearchKeys(d)
	return a, err
}

// parseSortCriteria reads "(REVERSE DATE SUBJECT ...)".
func parseSortCriteria(d *wire.Decoder) ([]sortCriterion, error) {
	var out []sortCriterion
	reverse := false
	err := d.List(0, func() error {
		for {
			k, err := d.Atom()
			if err != nil {
				return err
			}
			k = strings.ToUpper(k)
			switch k {
			case "REVERSE":
				if reverse {
					return &wire.SyntaxError{Msg: "REVERSE twice"}
				}
				reverse = true
				if err := d.SP(); err != nil {
					return err
				}
				continue
			case "ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO",
				"DISPLAYFROM", "DISPLAYTO":
				out = append(out, sortCriterion{k, reverse})
				reverse = false
				return nil
			}
			return &wire.SyntaxError{Msg: "unknown sort criterion " + k}
		}
	})
	return out, err
}

// sortKey holds the values a message is sorted by.
type sortKey struct {
	seq      uint32
	arrival  time.Time
	date     time.Time
	size     int64
	subject  string
	from, to string
	cc       string
	dispFrom string
	dispTo   string
}

func (s *session) cmdSort(cmd *command) error {
	a := cmd.args.(sortArgs)
	if err := checkCharset(a.search.charset); err != nil {
		return err
	}
	res, err := s.search(a.search.keys)
	if err != nil {
		return err
	}
	keys, err := s.sortKeys(res.seqs)
	if err != nil {
		return err
	}
	sort.SliceStable(keys, func(i, j int) bool {
		for _, c := range a.criteria {
			d := compareSortKey(&keys[i], &keys[j], c.key)
			if c.reverse {
				d = -d
			}
			if d != 0 {
				return d < 0
			}
		}
		return keys[i].seq < keys[j].seq
	})
	for i := range keys {
		res.seqs[i] = keys[i].seq
	}
	s.writeSearchResult(cmd, a.search, res, true)
	return nil
}

func (s *session) sortKeys(seqs []uint32) ([]sortKey, error) {
	keys := make([]sortKey, len(seqs))
	var emails []*mailstore.Email
	for i, n := range seqs {
		en := s.sel.msgs[n-1]
		k := sortKey{seq: n, arrival: en.Received, size: en.Size, date: en.Received}
		if i%searchBatch == 0 {
			chunk := make([]mailstore.Entry, 0, searchBatch)
			for _, m := range seqs[i:min(i+searchBatch, len(seqs))] {
				chunk = append(chunk, s.sel.msgs[m-1])
			}
			emails = s.loadEmails(chunk)
		}
		if em := emails[i%searchBatch]; em != nil && em.Parsed != nil {
			m := em.Parsed
			if !m.Date.IsZero() {
				k.date = m.Date
			}
			k.subject = baseSubject(m.Subject)
			env := &m.Envelope
			k.from = firstMailbox(env.From)
			k.to = firstMailbox(env.To)
			k.cc = firstMailbox(env.Cc)
			k.dispFrom = displayName(env.From)
			k.dispTo = displayName(env.To)
		}
		keys[i] = k
	}
	return keys, nil
}

// firstMailbox is the RFC 5256 section 3 key of an address list: the
// local part of its first address, or the name of a leading group.
func firstMailbox(list []msgparse.Address) string {
	for _, a := range list {
		if a.Kind != msgparse.KindGroupEnd {
			return strings.ToUpper(a.Mailbox)
		}
	}
	return ""
}

// displayName is the RFC 5957 section 3 display name of the first
// address: its phrase, or the addr-spec when it has none.
func displayName(list []msgparse.Address) string {
	for _, a := range list {
		if a.Kind == msgparse.KindGroupStart {
			return strings.ToUpper(msgparse.DecodeHeader(a.Mailbox))
		}
		if a.Kind != msgparse.KindMailbox {
			continue
		}
		if a.Name != "" {
			return strings.ToUpper(msgparse.DecodeHeader(a.Name))
		}
		return strings.ToUpper(a.Addr())
	}
	return ""
}

func compareSortKey(a, b *sortKey, key string) int {
	switch key {
	case "ARRIVAL":
		return a.arrival.Compare(b.arrival)
	case "DATE":
		return a.date.Compare(b.date)
	case "SIZE":
		switch {
		case a.size < b.size:
			return -1
		case a.size > b.size:
			return 1
		}
		return 0
	case "SUBJECT":
		return strings.Compare(a.subject, b.subject)
	case "FROM":
		return strings.Compare(a.from, b.from)
	case "TO":
		return strings.Compare(a.to, b.to)
	case "CC":
		return strings.Compare(a.cc, b.cc)
	case "DISPLAYFROM":
		return strings.Compare(a.dispFrom, b.dispFrom)
	case "DISPLAYTO":
		return strings.Compare(a.dispTo, b.dispTo)
	}
	return 0
}

// baseSubject is the RFC 5256 section 2.1 base subject in upper case, for
// comparison. The subject is folded first so that trailers such as
// "(fWd)" are removed whatever their case.
func baseSubject(subject string) string {
	return strings.ToUpper(msgparse.BaseSubject(strings.ToLower(subject)))
}
