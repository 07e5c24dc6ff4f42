package sieve

import "strings"

// builtins holds the built-in commands and tests, keyed by name; tests
// carry a "?" prefix. It is built once and never changed.
var builtins = buildBuiltins()

func buildBuiltins() map[string]*cmdSpec {
	m := map[string]*cmdSpec{}
	groups := [][]*cmdSpec{coreSpecs(), extSpecs(), varSpecs(), mimeSpecs(),
		actionSpecs(), editHeaderSpecs(), vacationSpecs(), spamSpecs(),
		rewriteSpecs(), extListSpecs()}
	for _, g := range groups {
		for _, s := range g {
			key := s.name
			if s.test {
				key = "?" + key
			}
			m[key] = s
		}
	}
	return m
}

func builtinSpec(name string, test bool) *cmdSpec {
	if test {
		return builtins["?"+name]
	}
	return builtins[name]
}

// extImplies lists extensions that others enable, such as RFC 6131
// vacation-seconds implying vacation.
var extImplies = map[string][]string{
	"vacation-seconds":        {"vacation"},
	"spamtestplus":            {"spamtest"},
	"vnd.dovecot.environment": {"environment", "variables"},
}

func isBuiltinExt(name string) bool {
	for _, e := range extensionOrder() {
		if e == name {
			return true
		}
	}
	return false
}

// extensionOrder lists the built-in extensions in capability order.
func extensionOrder() []string {
	return []string{"fileinto", "reject", "ereject", "envelope", "encoded-character",
		"vacation", "vacation-seconds", "subaddress", "comparator-i;ascii-numeric",
		"comparator-i;unicode-casemap", "relational", "regex", "imap4flags", "copy",
		"include", "body", "variables", "enotify", "environment", "mailbox",
		"date", "index", "ihave", "duplicate", "mime", "foreverypart",
		"extracttext", "editheader", "spamtest", "spamtestplus", "virustest",
		"mboxmetadata", "servermetadata", "special-use", "mailboxid", "fcc",
		"replace", "enclose",
		"extlists", "vnd.dovecot.debug", "vnd.dovecot.environment"}
}

// tagDef finds a tagged argument allowed for n's spec.
func (c *compiler) tagDef(spec *cmdSpec, tag string) (tagDef, bool) {
	if d, ok := spec.tags[tag]; ok {
		if d.ext == "" || c.ext[d.ext] {
			return d, true
		}
	}
	d, ok := familyTag(spec.fams, tag)
	if !ok || (d.ext != "" && !c.ext[d.ext]) {
		return tagDef{}, false
	}
	return d, true
}

func familyTag(f family, tag string) (tagDef, bool) {
	if f&famMatch != 0 {
		switch tag {
		case "is", "contains", "matches":
			return tagDef{group: "match"}, true
		case "value", "count":
			return tagDef{val: valString, group: "match", ext: "relational"}, true
		case "regex":
			return tagDef{group: "match", ext: "regex"}, true
		case "list":
			return tagDef{group: "match", ext: "extlists"}, true
		case "comparator":
			return tagDef{val: valString, group: "comparator"}, true
		}
	}
	if f&famAddrPart != 0 {
		switch tag {
		case "all", "localpart", "domain":
			return tagDef{group: "addrpart"}, true
		case "user", "detail":
			return tagDef{group: "addrpart", ext: "subaddress"}, true
		}
	}
	if f&famIndex != 0 {
		switch tag {
		case "index":
			return tagDef{val: valNumber, ext: "index"}, true
		case "last":
			return tagDef{ext: "index"}, true
		}
	}
	if f&famMime != 0 {
		switch tag {
		case "mime", "anychild":
			return tagDef{ext: "mime"}, true
		case "type", "subtype", "contenttype":
			return tagDef{group: "mimeopt", ext: "mime"}, true
		case "param":
			return tagDef{val: valStrings, group: "mimeopt", ext: "mime"}, true
		}
	}
	if f&famZone != 0 {
		switch tag {
		case "zone":
			return tagDef{val: valString, group: "zone"}, true
		case "originalzone":
			return tagDef{group: "zone"}, true
		}
	}
	return tagDef{}, false
}

// checkMatch prepares the matcher of a test whose key list is positional
// argument keyIdx.
func checkMatch(c *compiler, n *node, keyIdx int) {
	m := &matcher{typ: "is", cmp: "i;ascii-casemap", addrPart: "all", keyIdx: keyIdx}
	for _, t := range []string{"is", "contains", "matches", "value", "count", "regex",
		"list"} {
		if v := n.tag(t); v != nil {
			m.typ = t
			if t == "value" || t == "count" {
				rel, _ := constString(v.strs[0])
				m.rel = strings.ToLower(rel)
				switch m.rel {
				case "gt", "ge", "lt", "le", "eq", "ne":
				default:
					c.errorf(v.pos, "invalid relational match '%s' for the %s test "+
						"(expecting: gt, ge, lt, le, eq or ne)", rel, n.spec.name)
				}
			}
		}
	}
	if v := n.tag("comparator"); v != nil {
		name, _ := constString(v.strs[0])
		m.cmp = strings.ToLower(name)
		if !knownComparator(m.cmp) || (m.cmp == "i;ascii-numeric" &&
			!c.ext["comparator-i;ascii-numeric"]) {
			c.errorf(v.pos, "unknown comparator '%s'", name)
		}
	}
	if m.typ == "list" && n.has("comparator") {
		c.errorf(n.pos, "the %s test: the :list match type takes no comparator "+
			"here", n.spec.name)
	}
	if m.cmp == "i;ascii-numeric" && (m.typ == "contains" || m.typ == "matches" ||
		m.typ == "regex") {
		c.errorf(n.pos, "the %s test: comparator 'i;ascii-numeric' does not support "+
			"the :%s match type", n.spec.name, m.typ)
	}
	for _, p := range []string{"all", "localpart", "domain", "user", "detail"} {
		if n.has(p) {
			m.addrPart = p
		}
	}
	checkIndex(c, n)
	if m.typ == "regex" && keyIdx < len(n.args) {
		checkRegexKeys(c, n, m)
	}
	n.m = m
}

func checkRegexKeys(c *compiler, n *node, m *matcher) {
	for _, k := range n.args[m.keyIdx].strs {
		s, ok := constString(k)
		if !ok {
			m.regexps = nil
			return
		}
		re, err := compileRegex(m.cmp, s)
		if err != nil {
			c.errorf(n.args[m.keyIdx].pos, "invalid regular expression '%s' for "+
				"regex match: %v", s, err)
			return
		}
		m.regexps = append(m.regexps, re)
	}
}

// checkHeaderNames validates constant header names.
func checkHeaderNames(c *compiler, n *node, idx int, what string) {
	if idx >= len(n.args) {
		return
	}
	for _, s := range n.args[idx].strs {
		name, ok := constString(s)
		if ok && !validFieldName(name) {
			c.errorf(n.args[idx].pos, "the %s test: specified header field name "+
				"'%s' is invalid", what, name)
		}
	}
}

// checkIndex checks :index and :last, RFC 5260 section 6.
func checkIndex(c *compiler, n *node) {
	if n.has("last") && !n.has("index") {
		c.errorf(n.pos, "the %s test: the :last tag cannot be specified without "+
			"the :index tag", n.spec.name)
	}
	if v := n.tag("index"); v != nil && v.num == 0 {
		c.errorf(v.pos, "the %s test: the :index tag requires a number above 0",
			n.spec.name)
	}
}
