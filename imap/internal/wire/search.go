package wire

import (
	"strings"
	"time"
)

// SearchKey is one node of a SEARCH criteria tree (RFC 9051 section
// 6.4.4). Op is the upper-case key name; "AND" groups Sub, "OR" and "NOT"
// combine Sub, "SEQ" and "UID" use Set.
type SearchKey struct {
	Op    string
	Str   string // string argument, flag or header field name
	Value string // HEADER value
	Num   uint64 // LARGER, SMALLER, MODSEQ, OLDER, YOUNGER
	Date  time.Time
	Set   SeqSet
	Sub   []*SearchKey
}

// ParseSearchKeys reads search keys up to the end of the line and
// returns them as one AND node. depth limits the nesting of
// parentheses, NOT and OR.
func ParseSearchKeys(d *Decoder) (*SearchKey, error) {
	root := &SearchKey{Op: "AND"}
	for {
		k, err := parseSearchKey(d, 0)
		if err != nil {
			return nil, err
		}
		root.Sub = append(root.Sub, k)
		if d.AtEOL() {
			return root, nil
		}
		if err := d.SP(); err != nil {
			return nil, err
		}
	}
}

func parseSearchKey(d *Decoder, depth int) (*SearchKey, error) {
	if d.MaxDepth > 0 && depth > d.MaxDepth {
		return nil, ErrTooDeep
	}
	if b, err := d.Peek(); err != nil {
		return nil, err
	} else if b == '(' {
		k := &SearchKey{Op: "AND"}
		err := d.List(depth, func() error {
			sub, err := parseSearchKey(d, depth+1)
			k.Sub = append(k.Sub, sub)
			return err
		})
		if err == nil && len(k.Sub) == 0 {
			err = syntaxf("empty search key list")
		}
		return k, err
	} else if b == '$' || b == '*' || (b >= '0' && b <= '9') {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		set, err := ParseSeqSet(tok)
		return &SearchKey{Op: "SEQ", Set: set}, err
	}
	atom, err := d.Atom()
	if err != nil {
		return nil, err
	}
	k := &SearchKey{Op: strings.ToUpper(atom)}
	switch k.Op {
	case "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT",
		"SEEN", "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
		return k, nil
	case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO", "EMAILID", "THREADID":
		return k, searchArg(d, func() (err error) { k.Str, err = d.AString(); return })
	case "KEYWORD", "UNKEYWORD":
		return k, searchArg(d, func() (err error) { k.Str, err = d.Atom(); return })
	case "HEADER":
		if err := searchArg(d, func() (err error) { k.Str, err = d.AString(); return }); err != nil {
			return nil, err
		}
		return k, searchArg(d, func() (err error) { k.Value, err = d.AString(); return })
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		return k, searchArg(d, func() (err error) { k.Date, err = parseDate(d); return })
	case "LARGER", "SMALLER", "OLDER", "YOUNGER":
		return k, searchArg(d, func() (err error) { k.Num, err = d.Number64(); return })
	case "UID":
		return k, searchArg(d, func() error {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			k.Set, err = ParseSeqSet(tok)
			return err
		})
	case "NOT":
		return k, searchArg(d, func() error {
			sub, err := parseSearchKey(d, depth+1)
			k.Sub = []*SearchKey{sub}
			return err
		})
	case "OR":
		for range 2 {
			err := searchArg(d, func() error {
				sub, err := parseSearchKey(d, depth+1)
				k.Sub = append(k.Sub, sub)
				return err
			})
			if err != nil {
				return nil, err
			}
		}
		return k, nil
	case "MODSEQ":
		return k, parseModSeqKey(d, k)
	}
	return nil, syntaxf("unknown search key %s", atom)
}

func searchArg(d *Decoder, f func() error) error {
	if err := d.SP(); err != nil {
		return err
	}
	return f()
}

// parseModSeqKey reads "MODSEQ [entry-name entry-type] n" (RFC 7162
// section 3.1.5); the entry is accepted and ignored.
func parseModSeqKey(d *Decoder, k *SearchKey) error {
	if err := d.SP(); err != nil {
		return err
	}
	if b, _ := d.Peek(); b == '"' {
		if _, err := d.Quoted(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		if _, err := d.Atom(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
	}
	n, err := d.Number64()
	k.Num = n
	return err
}

var months = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
	"oct", "nov", "dec"}

// parseDate reads a date ("1-Feb-2024", optionally quoted).
func parseDate(d *Decoder) (time.Time, error) {
	var s string
	var err error
	if b, _ := d.Peek(); b == '"' {
		s, err = d.Quoted()
	} else {
		s, err = d.Atom()
	}
	if err != nil {
		return time.Time{}, err
	}
	return ParseDate(s)
}

// ParseDate parses an IMAP date "d-Mon-yyyy" (RFC 9051 "date-text").
func ParseDate(s string) (time.Time, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return time.Time{}, syntaxf("bad date %q", s)
	}
	day, ok := atoiN(parts[0], 1, 2)
	year, ok2 := atoiN(parts[2], 4, 4)
	mon := -1
	for i, m := range months {
		if strings.EqualFold(parts[1], m) {
			mon = i
		}
	}
	if !ok || !ok2 || mon < 0 || day < 1 || day > 31 {
		return time.Time{}, syntaxf("bad date %q", s)
	}
	return time.Date(year, time.Month(mon+1), day, 0, 0, 0, 0, time.UTC), nil
}

func atoiN(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// ParseDateTime parses an IMAP date-time "dd-Mon-yyyy hh:mm:ss +zzzz"
// (RFC 9051 "date-time"); the day may have a leading space.
func ParseDateTime(s string) (time.Time, error) {
	t, err := time.Parse("_2-Jan-2006 15:04:05 -0700", s)
	if err != nil {
		t, err = time.Parse("2-Jan-2006 15:04:05 -0700", s)
	}
	if err != nil {
		return time.Time{}, syntaxf("bad date-time %q", s)
	}
	return t, nil
}

// FormatDateTime writes t as an IMAP date-time.
func FormatDateTime(t time.Time) string {
	return t.Format("02-Jan-2006 15:04:05 -0700")
}
