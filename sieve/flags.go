package sieve

import "strings"

// normFlags splits flag strings at spaces and removes duplicates,
// RFC 5232 section 3.
func normFlags(list []string) []string {
	var out []string
	for _, s := range list {
		for _, f := range strings.Fields(s) {
			if !containsFold(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

func checkFlagVar(c *compiler, n *node) {
	if len(n.args) == 2 && !n.spec.test || n.spec.test && len(n.args) == 2 {
		if !c.ext["variables"] {
			c.errorf(n.pos, "the %s %s: a variable name argument needs the "+
				"variables extension", n.spec.name, kindWord(n))
			return
		}
		for _, s := range n.args[0].strs {
			name, ok := constString(s)
			if ok && !validVarName(name) {
				c.errorf(n.args[0].pos, "invalid variable name '%s'", name)
			}
		}
	}
	if !n.spec.test {
		checkFlagList(c, n.args[len(n.args)-1])
	}
}

func kindWord(n *node) string {
	if n.spec.test {
		return "test"
	}
	return "command"
}

// checkFlagList warns about flags that are not valid IMAP flags.
func checkFlagList(c *compiler, v *value) {
	for _, s := range v.strs {
		lit, ok := constString(s)
		if !ok {
			continue
		}
		for _, f := range strings.Fields(lit) {
			if !validFlag(f) {
				c.errs.warn(v.pos, "IMAP flag '"+f+"' is invalid")
			}
		}
	}
}

func validFlag(f string) bool {
	if strings.HasPrefix(f, "\\") {
		switch strings.ToLower(f) {
		case "\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft":
			return true
		}
		return false
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("(){%*\"\\]", c) >= 0 {
			return false
		}
	}
	return f != ""
}

// flagTarget returns the variable name a flag command works on, "" for the
// internal variable.
func (rt *runtime) flagTarget(n *node) string {
	if len(n.args) == 2 {
		return strings.ToLower(rt.str1(n.args[0]))
	}
	return ""
}

func (rt *runtime) getFlags(name string) []string {
	if name == "" {
		return rt.flags
	}
	return normFlags([]string{rt.vars[name]})
}

func (rt *runtime) putFlags(n *node, name string, flags []string) error {
	if name == "" {
		rt.flags = flags
		rt.hasFlags = true
		return nil
	}
	return rt.setVar(n, name, strings.Join(flags, " "))
}

func execFlags(op string) func(*runtime, *node) error {
	return func(rt *runtime, n *node) error {
		target := rt.flagTarget(n)
		list := normFlags(rt.strs(n.args[len(n.args)-1]))
		var out []string
		switch op {
		case "set":
			out = list
		case "add":
			out = mergeFlags(rt.getFlags(target), list)
		case "remove":
			for _, f := range rt.getFlags(target) {
				if !containsFold(list, f) {
					out = append(out, f)
				}
			}
		}
		return rt.putFlags(n, target, out)
	}
}

func evalHasFlag(rt *runtime, n *node) (bool, error) {
	var flags []string
	if len(n.args) == 2 {
		for _, name := range rt.strs(n.args[0]) {
			flags = append(flags, rt.getFlags(strings.ToLower(name))...)
		}
	} else {
		flags = rt.flags
	}
	if n.m.typ == "count" {
		return rt.matchValues(n, flags)
	}
	// Keys are flag lists too: each flag of each key is matched.
	keys := normFlags(rt.strs(n.args[n.m.keyIdx]))
	return rt.matchKeys(n, n.m, flags, keys)
}
