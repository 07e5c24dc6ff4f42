package sieve

import (
	"strings"
	"unicode/utf8"
)

func mimeSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "body", ext: "body", test: true, subtests: -1, fams: famMatch,
			args: []valKind{valStrings},
			tags: map[string]tagDef{"raw": {group: "transform"},
				"content": {val: valStrings, group: "transform"},
				"text":    {group: "transform"}},
			check: func(c *compiler, n *node) { checkMatch(c, n, 0); n.m.noCapture = true },
			eval:  evalBody},
		{name: "foreverypart", ext: "foreverypart", subtests: -1, block: 1,
			tags: map[string]tagDef{"name": {val: valString}},
			exec: execForEveryPart},
		{name: "break", ext: "foreverypart", subtests: -1,
			tags:  map[string]tagDef{"name": {val: valString}},
			check: checkBreak, exec: execBreak},
		{name: "extracttext", ext: "extracttext", subtests: -1,
			args: []valKind{valString},
			tags: map[string]tagDef{"first": {val: valNumber},
				"lower": {group: "m40"}, "upper": {group: "m40"},
				"lowerfirst": {group: "m30"}, "upperfirst": {group: "m30"},
				"quotewildcard": {group: "m20"},
				"quoteregex":    {group: "m20", ext: "regex"},
				"encodeurl":     {group: "m15", ext: "enotify"},
				"length":        {group: "m10"}},
			check: checkExtractText, exec: execExtractText},
	}
}

func evalBody(rt *runtime, n *node) (bool, error) {
	root, err := rt.mimeRoot()
	if err != nil {
		return false, rt.errorf(n, "%v", err)
	}
	var values []string
	if rt.body == nil {
		// RFC 5173 section 5: a message without a body matches nothing.
		return false, nil
	}
	switch {
	case n.has("raw"):
		values = []string{string(rt.body)}
	case n.has("content"):
		types := rt.strs(n.tag("content"))
		root.walk(func(p *mimePart) {
			for _, t := range types {
				if !typeMatches(p.ctype, t) || p.broken() {
					continue
				}
				switch {
				case strings.HasPrefix(p.ctype, "multipart/"):
					values = append(values, string(p.prologue), string(p.epilogue))
				case p.ctype == "message/rfc822":
					values = append(values, string(p.rawHeader))
				default:
					values = append(values, p.text())
				}
				break
			}
		})
	default:
		root.walk(func(p *mimePart) {
			if p.isText() && !p.broken() {
				t := p.text()
				if p.ctype != "text/plain" {
					t = stripHTML(t)
				}
				values = append(values, t)
			}
		})
	}
	return rt.matchValues(n, values)
}

// stripHTML reduces HTML to its text for :text body matching.
func stripHTML(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func execForEveryPart(rt *runtime, n *node) error {
	start := rt.part
	if start == nil {
		root, err := rt.mimeRoot()
		if err != nil {
			return rt.errorf(n, "%v", err)
		}
		start = root
	}
	// The outermost loop visits the message itself and every part; a
	// nested loop visits the parts below the current one. Parts are kept
	// as paths: replace may rebuild the tree, dropping a replaced part's
	// children, while the paths of the others stay valid.
	var paths [][]int
	if rt.part == nil {
		start.walk(func(p *mimePart) { paths = append(paths, p.path()) })
	} else {
		for _, c := range start.children {
			c.walk(func(p *mimePart) { paths = append(paths, p.path()) })
		}
	}
	name := rt.str1(n.tag("name"))
	defer func(prev *mimePart) { rt.part = prev }(rt.part)
	for _, path := range paths {
		root, err := rt.mimeRoot()
		if err != nil {
			return rt.errorf(n, "%v", err)
		}
		p := root.at(path)
		if p == nil {
			continue
		}
		rt.part = p
		err = rt.execBlock(n.block)
		if err == errBreak {
			if rt.breakName == "" || rt.breakName == name {
				rt.breakName = ""
				return nil
			}
			return err
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func checkBreak(c *compiler, n *node) {
	if len(c.loops) == 0 {
		c.errorf(n.pos, "the break command is not inside a foreverypart loop")
		return
	}
	if v := n.tag("name"); v != nil {
		name, _ := constString(v.strs[0])
		for _, l := range c.loops {
			if l == name {
				return
			}
		}
		c.errorf(n.pos, "the break command names loop '%s', but no enclosing "+
			"foreverypart has that name", name)
	}
}

func execBreak(rt *runtime, n *node) error {
	rt.breakName = rt.str1(n.tag("name"))
	return errBreak
}

func checkExtractText(c *compiler, n *node) {
	if len(c.loops) == 0 {
		c.errorf(n.pos, "the extracttext command is not inside a foreverypart loop")
	}
	name, ok := constString(n.args[0].strs[0])
	if ok && !validVarName(name) {
		c.errorf(n.args[0].pos, "extracttext command: invalid variable name '%s'",
			name)
	}
}

func execExtractText(rt *runtime, n *node) error {
	text := ""
	if rt.part != nil && strings.HasPrefix(rt.part.ctype, "text/") {
		text = rt.part.text()
		if rt.part.ctype == "text/html" {
			text = stripHTML(text)
		}
	}
	if v := n.tag("first"); v != nil && int(v.num) < utf8.RuneCountInString(text) {
		text = string([]rune(text)[:v.num])
	}
	text = applyModifiers(n, text, rt.opts.maxVarSize())
	return rt.setVar(n, strings.ToLower(rt.str1(n.args[0])), text)
}

// checkMimeOpts checks the :mime options of header, address and exists,
// RFC 5703 section 4.
func checkMimeOpts(c *compiler, n *node) {
	if n.has("anychild") && !n.has("mime") {
		c.errorf(n.pos, "the :anychild tag of the %s test requires :mime", n.spec.name)
	}
	for _, t := range []string{"type", "subtype", "contenttype", "param"} {
		if n.has(t) && !n.has("mime") {
			c.errorf(n.pos, "the :%s tag of the %s test requires :mime", t, n.spec.name)
		}
	}
}

// mimeParts returns the parts a :mime test examines.
func (rt *runtime) mimeParts(n *node) ([]*mimePart, error) {
	cur := rt.part
	if cur == nil {
		root, err := rt.mimeRoot()
		if err != nil {
			return nil, err
		}
		cur = root
	}
	if !n.has("anychild") {
		return []*mimePart{cur}, nil
	}
	var out []*mimePart
	cur.walk(func(p *mimePart) { out = append(out, p) })
	return out, nil
}

func (rt *runtime) mimeExists(n *node) (bool, error) {
	parts, err := rt.mimeParts(n)
	if err != nil {
		return false, rt.errorf(n, "%v", err)
	}
	// Each field must exist in one of the parts (RFC 5703 section 4.2).
	for _, name := range rt.strs(n.args[0]) {
		found := false
		for _, p := range parts {
			if hasHeader(p.header, name) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

func (rt *runtime) mimeHeaderTest(n *node, addr bool) (bool, error) {
	parts, err := rt.mimeParts(n)
	if err != nil {
		return false, rt.errorf(n, "%v", err)
	}
	var values []string
	for _, p := range parts {
		for _, name := range rt.strs(n.args[0]) {
			for _, v := range rt.indexed(n, headerValues(p.header, name, !addr)) {
				if addr {
					values = append(values, rt.addrValues(n, parseAddressList(v))...)
					continue
				}
				values = append(values, rt.mimeOption(n, name, v)...)
			}
		}
	}
	return rt.matchValues(n, values)
}

// mimeOption extracts :type, :subtype, :contenttype or :param values.
func (rt *runtime) mimeOption(n *node, name, v string) []string {
	opt := ""
	for _, t := range []string{"type", "subtype", "contenttype", "param"} {
		if n.has(t) {
			opt = t
		}
	}
	lname := strings.ToLower(name)
	if opt == "" || lname != "content-type" && lname != "content-disposition" {
		if opt != "" && opt != "param" {
			return nil
		}
		if opt == "" {
			return []string{v}
		}
	}
	mt, params := parseMediaLoose(v)
	switch opt {
	case "type":
		return []string{strings.SplitN(mt, "/", 2)[0]}
	case "subtype":
		parts := strings.SplitN(mt, "/", 2)
		if len(parts) < 2 {
			return []string{""}
		}
		return []string{parts[1]}
	case "contenttype":
		return []string{mt}
	}
	var out []string
	for _, pn := range rt.strs(n.tag("param")) {
		if pv, ok := params[strings.ToLower(pn)]; ok {
			out = append(out, pv)
		}
	}
	return out
}
