package sieve

import (
	"strings"
	"unicode/utf8"
)

func actionSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "reject", ext: "reject", subtests: -1, args: []valKind{valString},
			exec: execReject("reject")},
		{name: "ereject", ext: "ereject", subtests: -1, args: []valKind{valString},
			exec: execReject("ereject")},
		{name: "setflag", ext: "imap4flags", subtests: -1,
			args: []valKind{valStrings, valStrings}, optArgs: 1, check: checkFlagVar,
			exec: execFlags("set")},
		{name: "addflag", ext: "imap4flags", subtests: -1,
			args: []valKind{valStrings, valStrings}, optArgs: 1, check: checkFlagVar,
			exec: execFlags("add")},
		{name: "removeflag", ext: "imap4flags", subtests: -1,
			args: []valKind{valStrings, valStrings}, optArgs: 1, check: checkFlagVar,
			exec: execFlags("remove")},
		{name: "hasflag", ext: "imap4flags", test: true, subtests: -1, fams: famMatch,
			args: []valKind{valStrings, valStrings}, optArgs: 1, eval: evalHasFlag,
			check: func(c *compiler, n *node) {
				checkFlagVar(c, n)
				checkMatch(c, n, len(n.args)-1)
			}},
	}
}

// flagsFor returns the flags of a keep or fileinto: its :flags argument or
// the internal variable, RFC 5232 section 5.
func (rt *runtime) flagsFor(n *node) ([]string, bool) {
	if v := n.tag("flags"); v != nil {
		return normFlags(rt.strs(v)), true
	}
	if rt.script.ext["imap4flags"] {
		return append([]string(nil), rt.flags...), rt.hasFlags
	}
	return nil, false
}

func execKeep(rt *runtime, n *node) error {
	flags, has := rt.flagsFor(n)
	if err := rt.checkRejectConflict(n, "keep"); err != nil {
		return err
	}
	rt.implicit = false
	for i, a := range rt.res.Actions {
		if isInboxStore(a) {
			// keep and fileinto "INBOX" are one action, RFC 5228 4.2.
			rt.res.Actions[i].Kind = ActionKeep
			rt.res.Actions[i].Flags, rt.res.Actions[i].HasFlags = flags, has
			return nil
		}
	}
	return rt.addAction(n, Action{Kind: ActionKeep, Mailbox: "INBOX", Flags: flags,
		HasFlags: has})
}

func isInboxStore(a Action) bool {
	return a.Kind == ActionKeep || a.Kind == ActionFileInto && a.SpecialUse == "" &&
		strings.EqualFold(a.Mailbox, "INBOX")
}

func mergeFlags(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, f := range b {
		if !containsFold(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func execDiscard(rt *runtime, n *node) error {
	rt.implicit = false
	for _, a := range rt.res.Actions {
		if a.Kind == ActionDiscard {
			return nil
		}
	}
	return rt.addAction(n, Action{Kind: ActionDiscard})
}

func checkFileinto(c *compiler, n *node) {
	s, ok := constString(n.args[0].strs[0])
	if ok && !checkUTF8(s) {
		c.errorf(n.args[0].pos, "fileinto command: invalid folder name '%s' "+
			"specified (invalid UTF-8)", s)
	}
	if v := n.tag("flags"); v != nil {
		checkFlagList(c, v)
	}
	if v := n.tag("specialuse"); v != nil {
		use, ok := constString(v.strs[0])
		if ok && !validSpecialUse(use) {
			c.errorf(v.pos, "fileinto command: invalid special-use flag '%s' "+
				"specified", use)
		}
	}
}

func validSpecialUse(s string) bool {
	return len(s) > 1 && s[0] == '\\' && isIdentifier(s[1:])
}

func execFileinto(rt *runtime, n *node) error {
	box := rt.str1(n.args[0])
	if !utf8.ValidString(box) {
		return rt.errorf(n, "fileinto: invalid folder name (not UTF-8)")
	}
	if err := rt.checkRejectConflict(n, "fileinto"); err != nil {
		return err
	}
	flags, has := rt.flagsFor(n)
	if !n.has("copy") {
		rt.implicit = false
	}
	use := rt.str1(n.tag("specialuse"))
	for i, a := range rt.res.Actions {
		if use == "" && !n.has("mailboxid") && (a.Kind == ActionFileInto && a.Mailbox == box ||
			isInboxStore(a) && strings.EqualFold(box, "INBOX")) {
			// RFC 5232 section 5: the last flag list wins.
			rt.res.Actions[i].Flags, rt.res.Actions[i].HasFlags = flags, has
			return nil
		}
	}
	return rt.addAction(n, Action{Kind: ActionFileInto, Mailbox: box,
		Create: n.has("create"), Copy: n.has("copy"), SpecialUse: use,
		MailboxID: rt.str1(n.tag("mailboxid")),
		Flags:     flags, HasFlags: has})
}

func checkRedirect(c *compiler, n *node) {
	s, ok := constString(n.args[0].strs[0])
	if ok {
		if _, valid := normalizeRedirect(s); !valid {
			c.errorf(n.args[0].pos, "specified redirect address '%s' is invalid", s)
		}
	}
}

// normalizeRedirect checks and normalises a redirect target, RFC 5228
// section 4.2: an RFC 5322 mailbox, reduced to its addr-spec.
func normalizeRedirect(s string) (string, bool) {
	list := parseAddressList(s)
	if len(list) != 1 || !list[0].valid || list[0].domain == "" {
		return "", false
	}
	return quoteLocal(list[0].local) + "@" + list[0].domain, true
}

func execRedirect(rt *runtime, n *node) error {
	addr, ok := normalizeRedirect(rt.str1(n.args[0]))
	if !ok {
		return rt.errorf(n, "redirect: invalid address '%s'", rt.str1(n.args[0]))
	}
	if err := rt.checkRejectConflict(n, "redirect"); err != nil {
		return err
	}
	if !n.has("copy") {
		rt.implicit = false
	}
	for _, a := range rt.res.Actions {
		if a.Kind == ActionRedirect && strings.EqualFold(a.Address, addr) {
			return nil
		}
	}
	if rt.redirects >= rt.opts.maxRedirects() {
		return &RuntimeError{Pos: n.pos, Msg: "number of redirect actions exceeds " +
			"policy limit", Err: ErrLimit}
	}
	rt.redirects++
	return rt.addAction(n, Action{Kind: ActionRedirect, Address: addr,
		Copy: n.has("copy")})
}

// checkRejectConflict keeps reject apart from delivering actions, RFC 5429
// section 2.2.
func (rt *runtime) checkRejectConflict(n *node, what string) error {
	for _, a := range rt.res.Actions[rt.prior:] {
		if a.Kind == ActionReject || a.Kind == ActionEReject {
			return rt.errorf(n, "%s action conflicts with earlier %s action",
				what, a.Kind)
		}
	}
	return nil
}

func execReject(kind string) func(*runtime, *node) error {
	return func(rt *runtime, n *node) error {
		for _, a := range rt.res.Actions[:rt.prior] {
			if a.Kind == ActionReject || a.Kind == ActionEReject {
				// An earlier script of the sequence already rejects.
				return nil
			}
		}
		for _, a := range rt.res.Actions[rt.prior:] {
			switch a.Kind {
			case ActionReject, ActionEReject:
				return rt.errorf(n, "duplicate %s action not allowed", kind)
			case ActionKeep, ActionFileInto, ActionVacation:
				return rt.errorf(n, "%s action conflicts with earlier %s action",
					kind, a.Kind)
			case ActionRedirect:
				if !a.Copy {
					return rt.errorf(n, "%s action conflicts with earlier %s action",
						kind, a.Kind)
				}
			}
		}
		rt.implicit = false
		return rt.addAction(n, Action{Kind: ActionKind(kind), Reason: rt.str1(n.args[0])})
	}
}
