package imap

import (
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
			return nil, err
		}
		if err := d.SP(); err != nil {
			return nil, err
		}
		if a.recursive && !a.subscribedOnly {
			return nil, &wire.SyntaxError{Msg: "RECURSIVEMATCH needs another option"}
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
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Name < boxes[j].Name })
	hasChild := map[string]bool{}
	subChild := map[string]bool{}
	byName := map[string]*mailstore.Mailbox{}
	for i := range boxes {
		b := &boxes[i]
		byName[b.Name] = b
		for n := b.Name; strings.Contains(n, "/"); {
			n = n[:strings.LastIndexByte(n, '/')]
			hasChild[n] = true
			if b.Subscribed {
				subChild[n] = true
			}
		}
	}
	var out []listEntry
	seen := map[string]bool{}
	add := func(name string, mb *mailstore.Mailbox, child bool) {
		if seen[name] {
			return
		}
		seen[name] = true
		out = append(out, listEntry{name: name, mb: mb, child: child})
	}
	subsOnly := lsub || a.subscribedOnly
	for _, pat := range a.patterns {
		full := pat
		if a.ref != "" && !strings.HasPrefix(pat, "/") {
			full = a.ref + pat
		}
		for i := range boxes {
			b := &boxes[i]
			if !matchPattern(full, b.Name) {
				continue
			}
			if a.specialUseOnly && b.Role == "" {
				continue
			}
			if !subsOnly || b.Subscribed {
				add(b.Name, b, false)
			} else if a.recursive && subChild[b.Name] {
				add(b.Name, b, true)
			}
		}
		if lsub {
			for i := range boxes {
				b := &boxes[i]
				for n := b.Name; b.Subscribed && strings.Contains(n, "/"); {
					n = n[:strings.LastIndexByte(n, '/')]
					if p := byName[n]; (p == nil || !p.Subscribed) && matchPattern(full, n) &&
						!seen[n] {
						seen[n] = true
						out = append(out, listEntry{name: n, mb: p, noselect: true})
					}
				}
			}
		}
		if subsOnly {
			// Parents of matching subscribed mailboxes for RECURSIVEMATCH.
			for n := range subChild {
				if byName[n] == nil && matchPattern(full, n) && a.recursive {
					add(n, nil, true)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	for _, le := range out {
		s.writeListEntry(cmd.name, a, le, hasChild[le.name], subsOnly)
	}
	return nil
}

func (s *session) writeListEntry(name string, a listArgs, le listEntry, children, subsOnly bool) {
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
