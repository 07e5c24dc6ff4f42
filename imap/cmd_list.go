package imap

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// listArgs are the arguments of LIST with LIST-EXTENDED (RFC 5258) and
// LIST-STATUS (RFC 5819), or of LSUB.
type listArgs struct {
	ref      string
	patterns []string
	// Selection options.
	subscribedOnly, recursive, specialUseOnly bool
	// Return options.
	retSubscribed, retChildren, retSpecialUse bool
	status                                    []string
	extended                                  bool
}

func parseList(p *parser) (any, error) {
	var a listArgs
	d := p.d
	if err := d.SP(); err != nil {
		return nil, err
	}
	if b, _ := d.Peek(); b == '(' {
		if err := parseListSelect(p, &a); err != nil {
			return nil, err
		}
	}
	ref, err := d.AString()
	if err != nil {
		return nil, err
	}
	a.ref = ref
	if err := d.SP(); err != nil {
		return nil, err
	}
	if b, _ := d.Peek(); b == '(' {
		a.extended = true
		err = d.List(0, func() error {
			pat, err := d.ListMailbox()
			a.patterns = append(a.patterns, pat)
			return err
		})
	} else {
		var pat string
		pat, err = d.ListMailbox()
		a.patterns = []string{pat}
	}
	if err != nil {
		return nil, err
	}
	if d.Accept(' ') {
		a.extended = true
		if err := parseListReturn(p, &a); err != nil {
			return nil, err
		}
	}
	for i, pat := range a.patterns {
		if !p.utf8 {
			if dec, err := wire.DecodeMUTF7(pat); err == nil {
				a.patterns[i] = dec
			}
		}
	}
	if !p.utf8 {
		if dec, err := wire.DecodeMUTF7(a.ref); err == nil {
			a.ref = dec
		}
	}
	return a, nil
}

// parseListSelect reads the selection options of LIST-EXTENDED (RFC 5258
// section 3.1) and the space after them.
func parseListSelect(p *parser, a *listArgs) error {
	d := p.d
	a.extended = true
	err := d.List(0, func() error {
		opt, err := d.Atom()
		switch strings.ToUpper(opt) {
		case "SUBSCRIBED":
			a.subscribedOnly = true
		case "RECURSIVEMATCH":
			a.recursive = true
		case "SPECIAL-USE":
			a.specialUseOnly = true
		case "REMOTE":
		default:
			if err == nil {
				err = &wire.SyntaxError{Msg: "unknown LIST selection option"}
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if a.recursive && !a.subscribedOnly {
		return &wire.SyntaxError{Msg: "RECURSIVEMATCH needs another option"}
	}
	return d.SP()
}

func parseListReturn(p *parser, a *listArgs) error {
	d := p.d
	kw, err := d.Atom()
	if err != nil {
		return err
	}
	if !strings.EqualFold(kw, "RETURN") {
		return &wire.SyntaxError{Msg: "expected RETURN"}
	}
	if err := d.SP(); err != nil {
		return err
	}
	return d.List(0, func() error {
		opt, err := d.Atom()
		if err != nil {
			return err
		}
		switch strings.ToUpper(opt) {
		case "SUBSCRIBED":
			a.retSubscribed = true
		case "CHILDREN":
			a.retChildren = true
		case "SPECIAL-USE":
			a.retSpecialUse = true
		case "STATUS":
			if err := d.SP(); err != nil {
				return err
			}
			a.status, err = parseStatusItems(p)
			return err
		default:
			return &wire.SyntaxError{Msg: "unknown LIST return option"}
		}
		return nil
	})
}

// matchPattern matches name against a LIST pattern: "*" matches anything,
// "%" anything but the hierarchy delimiter (RFC 9051 section 6.3.9).
func matchPattern(pat, name string) bool {
	if len(pat) > 5 && strings.EqualFold(pat[:5], "INBOX") &&
		(len(pat) == 5 || pat[5] == '/' || pat[5] == '*' || pat[5] == '%') {
		pat = "INBOX" + pat[5:]
	}
	return matchFrom(pat, name, 0)
}

func matchFrom(pat, name string, depth int) bool {
	if depth > 20 {
		return false
	}
	for len(pat) > 0 {
		switch pat[0] {
		case '*', '%':
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchFrom(rest, name[i:], depth+1) {
					return true
				}
				if i < len(name) && pat[0] == '%' && name[i] == '/' {
					return false
				}
			}
			return false
		default:
			if len(name) == 0 || name[0] != pat[0] {
				return false
			}
			pat, name = pat[1:], name[1:]
		}
	}
	return len(name) == 0
}

// listEntry is one mailbox to report, possibly a parent that does not
// exist itself.
type listEntry struct {
	name  string
	mb    *mailstore.Mailbox
	attrs []string
	child bool // has a subscribed child (CHILDINFO)
	// noselect marks an LSUB parent shown only for its subscribed
	// children (RFC 3501 section 6.3.9).
	noselect bool
}

// listing gathers the mailboxes a LIST or LSUB reports.
type listing struct {
	boxes    []mailstore.Mailbox
	byName   map[string]*mailstore.Mailbox
	hasChild map[string]bool // names with any child
	// subChild holds the names with a subscribed descendant that no
	// pattern of the command matches: the descendants RECURSIVEMATCH
	// reports through CHILDINFO (RFC 5258 section 3.5), as the client
	// learns of the others from their own LIST responses.
	subChild map[string]bool
	seen     map[string]bool
	out      []listEntry
}

// newListing indexes the mailboxes for the full patterns of one command.
func newListing(boxes []mailstore.Mailbox, patterns []string) *listing {
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Name < boxes[j].Name })
	l := &listing{boxes: boxes, byName: map[string]*mailstore.Mailbox{},
		hasChild: map[string]bool{}, subChild: map[string]bool{}, seen: map[string]bool{}}
	for i := range boxes {
		b := &boxes[i]
		l.byName[b.Name] = b
		hidden := b.Subscribed && !slices.ContainsFunc(patterns, func(p string) bool {
			return matchPattern(p, b.Name)
		})
		for n := b.Name; strings.Contains(n, "/"); {
			n = n[:strings.LastIndexByte(n, '/')]
			l.hasChild[n] = true
			if hidden {
				l.subChild[n] = true
			}
		}
	}
	return l
}

func (l *listing) add(e listEntry) {
	if !l.seen[e.name] {
		l.seen[e.name] = true
		l.out = append(l.out, e)
	}
}

// match adds the mailboxes matching one full pattern.
func (l *listing) match(a *listArgs, full string, lsub bool) {
	subsOnly := lsub || a.subscribedOnly
	for i := range l.boxes {
		b := &l.boxes[i]
		if !matchPattern(full, b.Name) || (a.specialUseOnly && b.Role == "") {
			continue
		}
		if !subsOnly || b.Subscribed {
			l.add(listEntry{name: b.Name, mb: b})
		} else if a.recursive && l.subChild[b.Name] {
			l.add(listEntry{name: b.Name, mb: b, child: true})
		}
	}
	if lsub {
		l.lsubParents(full)
	}
	if subsOnly && a.recursive {
		// Parents of subscribed mailboxes for RECURSIVEMATCH (RFC 5258).
		for n := range l.subChild {
			if l.byName[n] == nil && matchPattern(full, n) {
				l.add(listEntry{name: n, child: true})
			}
		}
	}
}

// lsubParents adds, as \Noselect, unsubscribed parents that match the
// pattern and have subscribed children (RFC 3501 section 6.3.9).
func (l *listing) lsubParents(full string) {
	for i := range l.boxes {
		b := &l.boxes[i]
		for n := b.Name; b.Subscribed && strings.Contains(n, "/"); {
			n = n[:strings.LastIndexByte(n, '/')]
			if p := l.byName[n]; (p == nil || !p.Subscribed) && matchPattern(full, n) {
				l.add(listEntry{name: n, mb: p, noselect: true})
			}
		}
	}
}

func (s *session) cmdList(cmd *command) error {
	a := cmd.args.(listArgs)
	lsub := cmd.name == "LSUB"
	if len(a.patterns) == 1 && a.patterns[0] == "" && !lsub {
		s.untagged().Raw(`LIST (\Noselect) "/" ""`).CRLF()
		return nil
	}
	boxes, err := s.store.Mailboxes(s.ctx, s.account)
	if err != nil {
		return err
	}
	if boxes, err = s.withShared(boxes); err != nil {
		return err
	}
	fulls := make([]string, len(a.patterns))
	for i, pat := range a.patterns {
		fulls[i] = pat
		if a.ref != "" && !strings.HasPrefix(pat, "/") {
			fulls[i] = a.ref + pat
		}
	}
	l := newListing(boxes, fulls)
	for _, full := range fulls {
		l.match(&a, full, lsub)
		l.sharedParents(&a, full, lsub)
	}
	sort.Slice(l.out, func(i, j int) bool { return l.out[i].name < l.out[j].name })
	for _, le := range l.out {
		s.writeListEntry(cmd.name, a, le, l.hasChild[le.name])
	}
	return nil
}

func (s *session) writeListEntry(name string, a listArgs, le listEntry, children bool) {
	var attrs []string
	lsub := name == "LSUB"
	if le.noselect {
		attrs = append(attrs, `\Noselect`)
	} else if le.mb == nil {
		attrs = append(attrs, `\NonExistent`)
	}
	if !lsub {
		if children {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
	}
	if le.mb != nil && le.mb.Subscribed && (a.retSubscribed || a.subscribedOnly) {
		attrs = append(attrs, `\Subscribed`)
	}
	if le.mb != nil && !lsub {
		if r := roleAttr(le.mb.Role); r != "" {
			attrs = append(attrs, r)
		}
	}
	e := s.untagged().Raw(name).Raw(" (").Raw(strings.Join(attrs, " ")).Raw(`) "/" `)
	e.Mailbox(le.name)
	if le.child && a.extended {
		e.Raw(` ("CHILDINFO" ("SUBSCRIBED"))`)
	}
	e.CRLF()
	if len(a.status) > 0 && le.mb != nil {
		_ = s.writeStatus(le.name, *le.mb, a.status)
	}
}
