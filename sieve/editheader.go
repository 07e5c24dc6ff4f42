package sieve

import (
	"mime"
	"strings"
)

func editHeaderSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "addheader", ext: "editheader", subtests: -1,
			args: []valKind{valString, valString},
			tags: map[string]tagDef{"last": {}}, check: checkAddHeader,
			exec: execAddHeader},
		{name: "deleteheader", ext: "editheader", subtests: -1, fams: famMatch,
			tags: map[string]tagDef{"index": {val: valNumber}, "last": {}},
			args: []valKind{valString, valStrings}, optArgs: 1,
			check: checkDeleteHeader, exec: execDeleteHeader},
	}
}

// protectedHeader lists fields scripts may not change, RFC 5293 section 6.
func protectedHeader(name string) bool {
	switch strings.ToLower(name) {
	case "received", "auto-submitted":
		return true
	}
	return false
}

func checkAddHeader(c *compiler, n *node) {
	name, ok := constString(n.args[0].strs[0])
	if ok && !validFieldName(name) {
		c.errorf(n.args[0].pos, "addheader command: specified field name '%s' "+
			"is invalid", name)
	}
	val, ok := constString(n.args[1].strs[0])
	if ok && !checkUTF8(val) {
		c.errorf(n.args[1].pos, "addheader command: specified value is not UTF-8")
	}
}

func checkDeleteHeader(c *compiler, n *node) {
	name, ok := constString(n.args[0].strs[0])
	if ok && !validFieldName(name) {
		c.errorf(n.args[0].pos, "deleteheader command: specified field name '%s' "+
			"is invalid", name)
	}
	if n.has("last") && !n.has("index") {
		c.errorf(n.pos, "deleteheader command: the :last tag cannot be specified "+
			"without the :index tag")
	}
	checkMatch(c, n, 1)
}

// editable copies the header before the first change, so earlier action
// snapshots and the host's message stay intact.
func (rt *runtime) editable() {
	rt.hdr = append([]HeaderField(nil), rt.hdr...)
	rt.edited = true
}

// fieldSize is the wire size of a header field.
func fieldSize(f HeaderField) int64 { return int64(len(f.Name) + len(f.Value) + 3) }

func execAddHeader(rt *runtime, n *node) error {
	name := rt.str1(n.args[0])
	if !validFieldName(name) {
		return rt.errorf(n, "addheader action: specified field name '%s' is invalid", name)
	}
	if protectedHeader(name) || containsFold(rt.opts.EditHeaderForbidAdd, name) {
		return nil
	}
	val := normalizeNewlines(rt.str1(n.args[1]))
	if !isASCII(val) {
		val = mime.QEncoding.Encode("utf-8", val)
	}
	if len(name)+len(val)+2 > rt.opts.maxHeaderSize() {
		return rt.errorf(n, "addheader: header exceeds the size limit")
	}
	rt.editable()
	if !strings.Contains(val, "\r\n") {
		val = foldValue(val, len(name)+2)
	}
	f := HeaderField{Name: name, Value: " " + val}
	rt.sizeDelta += fieldSize(f)
	if n.has("last") {
		rt.hdr = append(rt.hdr, f)
	} else {
		rt.hdr = append([]HeaderField{f}, rt.hdr...)
	}
	rt.root = nil
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// normalizeNewlines turns line breaks in a value into folds, RFC 5322
// section 2.2.3: each break is followed by white space, none at the end.
func normalizeNewlines(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	v = strings.ReplaceAll(v, "\r", "\n")
	v = strings.TrimRight(v, "\n")
	if !strings.Contains(v, "\n") {
		return v
	}
	lines := strings.Split(v, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
			if l == "" || l[0] != ' ' && l[0] != '\t' {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// foldValue folds a long value before spaces, RFC 5322 section 2.2.3.
func foldValue(v string, used int) string {
	if used+len(v) <= 78 {
		return v
	}
	var b strings.Builder
	line := used
	for i, w := range strings.Split(v, " ") {
		if i > 0 {
			if line+1+len(w) > 78 && line > 1 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

func execDeleteHeader(rt *runtime, n *node) error {
	name := rt.str1(n.args[0])
	if protectedHeader(name) || containsFold(rt.opts.EditHeaderForbidDelete, name) {
		return nil
	}
	var idx []int
	for i, f := range rt.hdr {
		if strings.EqualFold(f.Name, name) {
			idx = append(idx, i)
		}
	}
	if v := n.tag("index"); v != nil {
		k := int(v.num)
		if k < 1 || k > len(idx) {
			return nil
		}
		if n.has("last") {
			idx = idx[len(idx)-k : len(idx)-k+1]
		} else {
			idx = idx[k-1 : k]
		}
	}
	drop := map[int]bool{}
	for _, i := range idx {
		if len(n.args) < 2 {
			drop[i] = true
			continue
		}
		v := decodeHeader(unfold(rt.hdr[i].Value))
		ok, err := rt.matchValues(n, []string{v})
		if err != nil {
			return err
		}
		drop[i] = ok
	}
	if len(drop) == 0 {
		return nil
	}
	var out []HeaderField
	for i, f := range rt.hdr {
		if !drop[i] {
			out = append(out, f)
		} else {
			rt.sizeDelta -= fieldSize(f)
		}
	}
	rt.hdr = out
	rt.edited = true
	rt.root = nil
	return nil
}
