package sieve

import "strings"

// coreSpecs are the commands and tests of RFC 5228 and the small action
// extensions.
func coreSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "if", subtests: 1, block: 1},
		{name: "elsif", subtests: 1, block: 1},
		{name: "else", subtests: -1, block: 1},
		{name: "stop", subtests: -1, exec: execStop},
		{name: "keep", subtests: -1, exec: execKeep,
			tags: map[string]tagDef{"flags": {val: valStrings, ext: "imap4flags"}}},
		{name: "discard", subtests: -1, exec: execDiscard},
		{name: "redirect", subtests: -1, args: []valKind{valString},
			tags:  map[string]tagDef{"copy": {ext: "copy"}},
			check: checkRedirect, exec: execRedirect},
		{name: "fileinto", ext: "fileinto", subtests: -1, args: []valKind{valString},
			tags: map[string]tagDef{"copy": {ext: "copy"},
				"flags":      {val: valStrings, ext: "imap4flags"},
				"create":     {ext: "mailbox"},
				"specialuse": {val: valString, ext: "special-use"},
				"mailboxid":  {val: valString, ext: "mailboxid"}},
			check: checkFileinto, exec: execFileinto},
		{name: "true", test: true, subtests: -1, eval: evalConst(true)},
		{name: "false", test: true, subtests: -1, eval: evalConst(false)},
		{name: "not", test: true, subtests: 1, eval: evalNot},
		{name: "allof", test: true, subtests: 2, eval: evalAllOf},
		{name: "anyof", test: true, subtests: 2, eval: evalAnyOf},
		{name: "exists", test: true, subtests: -1, fams: famMime,
			args: []valKind{valStrings}, eval: evalExists,
			check: func(c *compiler, n *node) { checkHeaderNames(c, n, 0, "exists") }},
		{name: "size", test: true, subtests: -1, args: []valKind{valNumber},
			tags:  map[string]tagDef{"over": {group: "size"}, "under": {group: "size"}},
			check: checkSize, eval: evalSize},
		{name: "header", test: true, subtests: -1, fams: famMatch | famIndex | famMime,
			args: []valKind{valStrings, valStrings}, eval: evalHeader,
			check: func(c *compiler, n *node) {
				checkMatch(c, n, 1)
				checkMimeOpts(c, n)
			}},
		{name: "address", test: true, subtests: -1,
			fams: famMatch | famAddrPart | famIndex | famMime,
			args: []valKind{valStrings, valStrings}, eval: evalAddress,
			check: checkAddress},
		{name: "envelope", ext: "envelope", test: true, subtests: -1,
			fams: famMatch | famAddrPart,
			args: []valKind{valStrings, valStrings}, eval: evalEnvelope,
			check: checkEnvelope},
	}
}

func execStop(rt *runtime, n *node) error { return errStop }

func evalConst(b bool) func(*runtime, *node) (bool, error) {
	return func(*runtime, *node) (bool, error) { return b, nil }
}

func evalNot(rt *runtime, n *node) (bool, error) {
	ok, err := rt.eval(n.tests[0])
	return !ok, err
}

func evalAllOf(rt *runtime, n *node) (bool, error) {
	for _, t := range n.tests {
		ok, err := rt.eval(t)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func evalAnyOf(rt *runtime, n *node) (bool, error) {
	for _, t := range n.tests {
		ok, err := rt.eval(t)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func checkSize(c *compiler, n *node) {
	if !n.has("over") && !n.has("under") {
		c.errorf(n.pos, "the size test requires either the :under or the :over tag")
	}
}

func evalSize(rt *runtime, n *node) (bool, error) {
	size := uint64(rt.msg.Size() + rt.sizeDelta)
	if n.has("over") {
		return size > n.args[0].num, nil
	}
	return size < n.args[0].num, nil
}

func evalExists(rt *runtime, n *node) (bool, error) {
	if n.has("mime") {
		return rt.mimeExists(n)
	}
	for _, name := range rt.strs(n.args[0]) {
		if !hasHeader(rt.hdr, name) {
			return false, nil
		}
	}
	return true, nil
}

func hasHeader(h []HeaderField, name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

func evalHeader(rt *runtime, n *node) (bool, error) {
	var values []string
	if n.has("mime") {
		return rt.mimeHeaderTest(n, false)
	}
	for _, name := range rt.strs(n.args[0]) {
		values = append(values, rt.indexed(n, headerValues(rt.hdr, name, true))...)
	}
	return rt.matchValues(n, values)
}

// indexed applies :index and :last, RFC 5260 section 6.
func (rt *runtime) indexed(n *node, values []string) []string {
	v := n.tag("index")
	if v == nil {
		return values
	}
	i := int(v.num)
	if i < 1 || i > len(values) {
		return nil
	}
	if n.has("last") {
		return values[len(values)-i : len(values)-i+1]
	}
	return values[i-1 : i]
}

func checkAddress(c *compiler, n *node) {
	checkMatch(c, n, 1)
	checkMimeOpts(c, n)
}

// isAddressHeader lists the fields RFC 5228 section 5.1 lets address
// examine: those holding addresses.
func isAddressHeader(name string) bool {
	switch strings.ToLower(name) {
	case "from", "to", "cc", "bcc", "sender", "reply-to", "resent-from",
		"resent-to", "resent-cc", "resent-bcc", "resent-sender", "resent-reply-to",
		"return-path", "delivered-to", "errors-to", "disposition-notification-to",
		"envelope-to", "original-recipient", "x-original-to", "for-approval",
		"for-handling", "for-comment", "apparently-to", "mail-followup-to",
		"mail-reply-to", "approved", "x-beenthere", "list-post":
		return true
	}
	return false
}

func evalAddress(rt *runtime, n *node) (bool, error) {
	if n.has("mime") {
		return rt.mimeHeaderTest(n, true)
	}
	var values []string
	for _, name := range rt.strs(n.args[0]) {
		for _, hv := range rt.indexed(n, headerValues(rt.hdr, name, false)) {
			values = append(values, rt.addrValues(n, rt.addresses(hv))...)
		}
	}
	return rt.matchValues(n, values)
}

func (rt *runtime) addrValues(n *node, addrs []mailAddr) []string {
	var out []string
	for _, a := range addrs {
		if v, ok := addressPart(a, n.m.addrPart, rt.opts.separator()); ok {
			if n.m.addrPart == "all" && !a.valid {
				v = decodeHeader(v)
			}
			out = append(out, v)
		}
	}
	return out
}

func checkEnvelope(c *compiler, n *node) {
	for _, s := range n.args[0].strs {
		part, ok := constString(s)
		if !ok {
			continue
		}
		switch strings.ToLower(part) {
		case "from", "to", "auth", "orig_to":
		default:
			c.errorf(n.args[0].pos, "specified envelope part '%s' is not supported "+
				"by the envelope test", part)
		}
	}
	checkMatch(c, n, 1)
}

func evalEnvelope(rt *runtime, n *node) (bool, error) {
	var values []string
	env := rt.env.Envelope
	for _, part := range rt.strs(n.args[0]) {
		var path string
		switch strings.ToLower(part) {
		case "from":
			path = env.From
		case "to":
			path = env.To
		case "orig_to":
			path = env.OrigTo
		case "auth":
			path = env.Auth
			if path == "" {
				continue
			}
		default:
			continue
		}
		a := parsePath(path)
		if !a.valid {
			// RFC 5228 section 5.4: an unparsable path matches nothing.
			continue
		}
		if a.local == "" && a.domain == "" {
			// The null reverse-path: every part is empty.
			values = append(values, "")
			continue
		}
		values = append(values, rt.addrValues(n, []mailAddr{a})...)
	}
	return rt.matchValues(n, values)
}
