package sieve

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func varSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "set", ext: "variables", subtests: -1,
			args: []valKind{valString, valString},
			tags: map[string]tagDef{
				"lower": {group: "m40"}, "upper": {group: "m40"},
				"lowerfirst": {group: "m30"}, "upperfirst": {group: "m30"},
				"quotewildcard": {group: "m20"},
				"quoteregex":    {group: "m20", ext: "regex"},
				"encodeurl":     {group: "m15", ext: "enotify"},
				"length":        {group: "m10"}},
			check: checkSet, exec: execSet},
		{name: "string", ext: "variables", test: true, subtests: -1, fams: famMatch,
			args: []valKind{valStrings, valStrings}, eval: evalString,
			check: func(c *compiler, n *node) { checkMatch(c, n, 1) }},
		{name: "global", ext: "include", subtests: -1, args: []valKind{valStrings},
			check: checkGlobal, exec: func(*runtime, *node) error { return nil }},
	}
}

// validVarName checks a variable name, RFC 5229 section 3.
func validVarName(s string) bool {
	for _, seg := range strings.Split(s, ".") {
		if !isIdentifier(seg) {
			return false
		}
	}
	return s != ""
}

func checkSet(c *compiler, n *node) {
	name, ok := constString(n.args[0].strs[0])
	if !ok {
		c.errorf(n.args[0].pos, "set command: variable name must be a constant string")
		return
	}
	if !validVarName(name) || strings.Contains(name, ".") &&
		!strings.HasPrefix(strings.ToLower(name), "global.") {
		c.errorf(n.args[0].pos, "set command: invalid variable name '%s'", name)
	}
}

func checkGlobal(c *compiler, n *node) {
	if !c.ext["variables"] {
		c.errorf(n.pos, "the global command requires the variables extension")
		return
	}
	for _, s := range n.args[0].strs {
		name, ok := constString(s)
		if !ok || !isIdentifier(name) {
			c.errorf(n.args[0].pos, "global command: invalid variable name '%s'", name)
			continue
		}
		if c.script.globals == nil {
			c.script.globals = map[string]bool{}
		}
		c.script.globals[strings.ToLower(name)] = true
	}
}

func execSet(rt *runtime, n *node) error {
	name := strings.ToLower(rt.str1(n.args[0]))
	v := rt.str1(n.args[1])
	v = applyModifiers(n, v, rt.opts.maxVarSize())
	return rt.setVar(n, name, v)
}

// applyModifiers applies set modifiers by precedence, RFC 5229 section 4.1.
func applyModifiers(n *node, v string, max int) string {
	switch {
	case n.has("lower"):
		v = strings.ToLower(v)
	case n.has("upper"):
		v = strings.ToUpper(v)
	}
	switch {
	case n.has("lowerfirst"):
		v = mapFirst(v, unicode.ToLower)
	case n.has("upperfirst"):
		v = mapFirst(v, unicode.ToUpper)
	}
	switch {
	case n.has("quotewildcard"):
		v = quoteChars(v, `*?\`)
	case n.has("quoteregex"):
		v = quoteChars(v, `\.+*?^$[](){}|`)
	}
	if n.has("encodeurl") {
		v = encodeURL(v, max)
	}
	if n.has("length") {
		v = itoa(utf8.RuneCountInString(v))
	}
	return v
}

func mapFirst(s string, f func(rune) rune) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(f(r)) + s[size:]
}

func quoteChars(s, chars string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune(chars, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// encodeURL percent-encodes all but unreserved characters, RFC 5435
// section 4.1.
// encodeURL percent-encodes all but unreserved characters, RFC 5435
// section 4.1, stopping before a character whose escapes would pass max.
func encodeURL(s string, max int) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, r := range s {
		var enc []byte
		var tmp [4]byte
		for _, c := range tmp[:utf8.EncodeRune(tmp[:], r)] {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				strings.IndexByte("-._~", c) >= 0 {
				enc = append(enc, c)
				continue
			}
			enc = append(enc, '%', hex[c>>4], hex[c&15])
		}
		if max > 0 && b.Len()+len(enc) > max {
			break
		}
		b.Write(enc)
	}
	return b.String()
}

// setVar assigns a variable, enforcing the size and count limits.
func (rt *runtime) setVar(n *node, name, v string) error {
	v = truncUTF8(v, rt.opts.maxVarSize())
	if strings.HasPrefix(name, "global.") {
		name = name[len("global."):]
		return rt.setGlobal(n, name, v)
	}
	if rt.script.globals[name] {
		return rt.setGlobal(n, name, v)
	}
	if _, ok := rt.vars[name]; !ok && len(rt.vars) >= rt.opts.maxVariables() {
		return &RuntimeError{Pos: n.pos, Msg: "too many variables", Err: ErrLimit}
	}
	rt.vars[name] = v
	return nil
}

func (rt *runtime) setGlobal(n *node, name, v string) error {
	if rt.globalVars == nil {
		rt.globalVars = map[string]string{}
	}
	if _, ok := rt.globalVars[name]; !ok && len(rt.globalVars) >= rt.opts.maxVariables() {
		return &RuntimeError{Pos: n.pos, Msg: "too many variables", Err: ErrLimit}
	}
	rt.globalVars[name] = v
	return nil
}

func evalString(rt *runtime, n *node) (bool, error) {
	values := rt.strs(n.args[0])
	if n.m.typ == "count" {
		// RFC 5229 section 5: empty strings do not count.
		var nonEmpty []string
		for _, v := range values {
			if v != "" {
				nonEmpty = append(nonEmpty, v)
			}
		}
		values = nonEmpty
	}
	return rt.matchValues(n, values)
}
