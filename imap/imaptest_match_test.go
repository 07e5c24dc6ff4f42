package imap

import (
	"strconv"
	"strings"
)

// itok is a token of an IMAP response line, for the imaptest matcher.
type itok struct {
	kind byte // 'a' atom, 's' string, 'l' list, 'n' NIL
	val  string
	list []itok
}

// tokenize splits a response (literals already inlined through lits, which
// maps placeholder atoms to literal contents) into tokens.
func tokenize(s string, lits map[string]string) []itok {
	toks, _ := tokenizeFrom(s, 0, lits, 0)
	return toks
}

func tokenizeFrom(s string, i int, lits map[string]string, depth int) ([]itok, int) {
	var out []itok
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\r' || c == '\n':
			i++
		case c == '(':
			if depth > 50 {
				return out, len(s)
			}
			sub, j := tokenizeFrom(s, i+1, lits, depth+1)
			out = append(out, itok{kind: 'l', list: sub})
			i = j
		case c == ')' || c == ']':
			return out, i + 1
		case c == '[':
			sub, j := tokenizeFrom(s, i+1, lits, depth+1)
			out = append(out, itok{kind: 'b', list: sub})
			i = j
		case c == '"':
			var sb strings.Builder
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				sb.WriteByte(s[j])
				j++
			}
			out = append(out, itok{kind: 's', val: sb.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != '"' &&
				s[j] != '\r' && s[j] != '\n' && s[j] != ']' {
				if s[j] == '[' {
					// Keep "BODY[HEADER.FIELDS (A B)]" in one atom.
					if k := strings.IndexByte(s[j:], ']'); k > 0 {
						j += k
					}
				}
				j++
			}
			a := s[i:j]
			i = j
			if v, ok := lits[a]; ok {
				// imaptest holds literals as C strings: a NUL octet ends
				// the value that is compared (literal8 data of BINARY).
				v, _, _ = strings.Cut(v, "\x00")
				out = append(out, itok{kind: 's', val: v})
			} else if strings.EqualFold(a, "NIL") {
				out = append(out, itok{kind: 'n', val: "NIL"})
			} else {
				out = append(out, itok{kind: 'a', val: a})
			}
		}
	}
	return out, i
}

// matcher holds variable bindings across a script.
type matcher struct {
	vars map[string]string
}

// listOpts are list-matching directives.
type listOpts struct {
	unordered int // 0 ordered, n chain length
	noextra   bool
	ignore    []string
	ban       []string
}

// match reports whether got matches want; bindings are made on a copy and
// committed only on success.
func (m *matcher) match(want, got []itok) bool {
	saved := m.copyVars()
	if len(want) > 0 && isStatusWord(want[0].val) && len(got) >= len(want) {
		// Status responses: the text after the expected tokens is free.
		got = got[:len(want)]
	}
	ctx := ""
	if len(want) > 0 && strings.EqualFold(want[0].val, "STATUS") {
		ctx = "STATUSNAME"
	}
	if m.matchList(want, got, listOpts{}, ctx, 0) {
		return true
	}
	m.vars = saved
	return false
}

func isStatusWord(s string) bool {
	switch strings.ToUpper(s) {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		return true
	}
	return false
}

func (m *matcher) copyVars() map[string]string {
	c := make(map[string]string, len(m.vars))
	for k, v := range m.vars {
		c[k] = v
	}
	return c
}

// defaultOpts gives the default directives of a list by its context.
func defaultOpts(ctx string, parentCtx string) listOpts {
	switch ctx {
	case "FETCH":
		return listOpts{unordered: 2}
	case "FLAGS":
		if parentCtx == "FETCH" {
			return listOpts{unordered: 1, noextra: true, ignore: []string{`\recent`}}
		}
	case "LIST", "LSUB":
		return listOpts{unordered: 1}
	case "STATUS":
		return listOpts{unordered: 2}
	}
	return listOpts{}
}

// readDirectives strips leading $! directives from a list.
func readDirectives(want []itok) ([]itok, listOpts, bool) {
	var o listOpts
	found := false
	for len(want) > 0 && want[0].kind == 'a' && strings.HasPrefix(want[0].val, "$!") {
		found = true
		d := strings.ToLower(want[0].val[2:])
		switch {
		case d == "ordered":
			o.unordered = 0
		case d == "unordered":
			o.unordered = 1
		case strings.HasPrefix(d, "unordered="):
			o.unordered, _ = strconv.Atoi(d[len("unordered="):])
		case d == "noextra":
			o.noextra = true
		case d == "extra":
			o.noextra = false
		case strings.HasPrefix(d, "ignore="):
			o.ignore = append(o.ignore, d[len("ignore="):])
		case strings.HasPrefix(d, "ban="):
			o.ban = append(o.ban, d[len("ban="):])
		}
		want = want[1:]
	}
	return want, o, found
}

// matchList matches a list of tokens under the given options.
func (m *matcher) matchList(want, got []itok, o listOpts, ctx string, depth int) bool {
	if depth > 40 {
		return false
	}
	if o.unordered > 0 {
		return m.matchUnordered(want, got, o, ctx, depth)
	}
	if len(want) != len(got) {
		return false
	}
	prev := ""
	for i := range want {
		if !m.matchTok(want[i], got[i], prev, ctx, depth) {
			return false
		}
		prev = strings.ToUpper(got[i].val)
	}
	return true
}

func (m *matcher) matchUnordered(want, got []itok, o listOpts, ctx string, depth int) bool {
	n := max(o.unordered, 1)
	if len(want)%n != 0 {
		return false
	}
	used := make([]bool, len(got))
	for i := 0; i < len(want); i += n {
		found := false
		for j := 0; j+n <= len(got); j += n {
			if used[j] {
				continue
			}
			saved := m.copyVars()
			ok := true
			prev := ""
			for k := 0; k < n && ok; k++ {
				ok = m.matchTok(want[i+k], got[j+k], prev, ctx, depth)
				prev = strings.ToUpper(got[j+k].val)
			}
			if ok {
				used[j] = true
				found = true
				break
			}
			m.vars = saved
		}
		if !found {
			return false
		}
	}
	for j := 0; j < len(got); j += n {
		if used[j] {
			continue
		}
		v := strings.ToLower(got[j].val)
		if o.noextra && !containsFold(o.ignore, v) {
			return false
		}
		if containsFold(o.ban, v) {
			return false
		}
	}
	return true
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// matchTok matches one token; prev is the previous got token (the list's
// context word for a nested list).
func (m *matcher) matchTok(w, g itok, prev, ctx string, depth int) bool {
	if w.kind == 'b' {
		return g.kind == 'b' && m.matchList(w.list, g.list, listOpts{}, "", depth+1)
	}
	if w.kind == 'l' {
		if g.kind != 'l' {
			return false
		}
		want, o, explicit := readDirectives(w.list)
		if !explicit {
			o = defaultOpts(listCtx(prev, ctx), ctx)
		}
		return m.matchList(want, g.list, o, listCtx(prev, ctx), depth+1)
	}
	if w.kind == 'a' && strings.HasPrefix(w.val, "$") {
		return m.matchVar(w.val, g)
	}
	if g.kind == 'l' || g.kind == 'b' {
		return false
	}
	return m.equal(w.val, g.val)
}

func listCtx(prev, ctx string) string {
	switch prev {
	case "FETCH", "FLAGS", "LIST", "LSUB":
		return prev
	}
	if ctx == "STATUSNAME" {
		return "STATUS"
	}
	return prev
}

// equal compares after expanding bound variables inside w.
func (m *matcher) equal(w, g string) bool {
	w = m.expand(w)
	if strings.HasPrefix(w, "\x01") {
		return w[1:] == g
	}
	return strings.EqualFold(w, g)
}

// matchVar handles "$", "$name", "${name}", "$N" and mixed atoms.
func (m *matcher) matchVar(w string, g itok) bool {
	if w == "$" {
		return true
	}
	name := w[1:]
	if strings.HasPrefix(name, "{") && strings.HasSuffix(name, "}") &&
		!strings.Contains(name[1:], "$") {
		name = name[1 : len(name)-1]
	}
	if strings.HasPrefix(name, "case:") {
		return g.val == name[5:]
	}
	if isVarName(name) {
		if _, err := strconv.Atoi(name); err == nil {
			return g.kind == 'a'
		}
		if v, ok := m.vars[name]; ok {
			return strings.EqualFold(v, tokText(g))
		}
		m.vars[name] = tokText(g)
		return true
	}
	if g.kind == 'l' {
		return false
	}
	return m.equal(w, g.val)
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// tokText renders a token for binding (lists keep their raw form).
func tokText(t itok) string {
	if t.kind != 'l' {
		return t.val
	}
	parts := make([]string, len(t.list))
	for i, x := range t.list {
		parts[i] = tokText(x)
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// expand replaces $name and ${name} of bound variables in s; "$$" is "$".
func (m *matcher) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var sb strings.Builder
	cs := false
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			sb.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			sb.WriteByte('$')
			i++
			continue
		}
		var name string
		j := i + 1
		if s[j] == '{' {
			k := strings.IndexByte(s[j:], '}')
			if k < 0 {
				sb.WriteByte('$')
				continue
			}
			name = s[j+1 : j+k]
			j += k + 1
		} else {
			for j < len(s) && isVarName(s[j:j+1]) {
				j++
			}
			name = s[i+1 : j]
		}
		if strings.HasPrefix(name, "case:") {
			cs = true
			sb.WriteString(name[5:])
		} else if v, ok := m.vars[name]; ok {
			sb.WriteString(v)
		} else {
			sb.WriteString(s[i:j])
		}
		i = j - 1
	}
	if cs {
		return "\x01" + sb.String()
	}
	return sb.String()
}
