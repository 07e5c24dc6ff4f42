package sieve

import "errors"

// matchValues applies n's match to values against its key list.
func (rt *runtime) matchValues(n *node, values []string) (bool, error) {
	m := n.m
	keys := rt.strs(n.args[m.keyIdx])
	return rt.matchKeys(n, m, values, keys)
}

func (rt *runtime) matchKeys(n *node, m *matcher, values, keys []string) (bool, error) {
	if m.typ == "list" {
		return rt.matchList(n, values, keys)
	}
	if m.typ == "regex" && len(m.regexps) != len(keys) {
		// Check patterns built at run time before looking at values, so a
		// bad one is reported even when there is nothing to match.
		for _, k := range keys {
			if _, err := rt.regex(m.cmp, k); err != nil {
				rt.res.Warnings = append(rt.res.Warnings,
					"error: invalid regular expression '"+k+"': "+err.Error())
			}
		}
	}
	if m.typ == "count" {
		cnt := itoa(len(values))
		for _, k := range keys {
			if relHolds(m.rel, cmpCompare(m.cmp, cnt, k)) {
				return true, nil
			}
		}
		return false, nil
	}
	for _, v := range values {
		for ki, k := range keys {
			if err := rt.step(n); err != nil {
				return false, err
			}
			ok, err := rt.matchOne(m, v, k, ki)
			var re *RuntimeError
			if errors.As(err, &re) {
				re.Pos = n.pos
				return false, re
			}
			if err != nil {
				return false, rt.errorf(n, "%v", err)
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

func (rt *runtime) matchOne(m *matcher, v, k string, ki int) (bool, error) {
	switch m.typ {
	case "is":
		return cmpEqual(m.cmp, v, k), nil
	case "contains":
		return cmpContains(m.cmp, v, k), nil
	case "value":
		return relHolds(m.rel, cmpCompare(m.cmp, v, k)), nil
	case "matches":
		ok, caps := globMatch(m.cmp, k, v, !m.noCapture)
		if ok && !m.noCapture {
			rt.setMatch(append([]string{v}, caps...))
		}
		return ok, nil
	case "regex":
		if int64(len(k))*int64(len(v)) > rt.opts.maxRegexCost() {
			return false, &RuntimeError{Msg: "regular expression match exceeds the " +
				"CPU limit (pattern too large for the value)", Err: ErrLimit}
		}
		var re = (*regexpT)(nil)
		if ki < len(m.regexps) {
			re = m.regexps[ki]
		} else {
			var err error
			re, err = rt.regex(m.cmp, k)
			if err != nil {
				// A bad pattern built at run time fails this match only;
				// matchKeys has reported it.
				return false, nil
			}
		}
		sub := re.FindStringSubmatch(v)
		if sub == nil {
			return false, nil
		}
		if !m.noCapture {
			rt.setMatch(sub)
		}
		return true, nil
	}
	return false, nil
}

func (rt *runtime) setMatch(vals []string) {
	if !rt.script.ext["variables"] {
		return
	}
	if max := rt.opts.maxMatchValues(); len(vals) > max {
		vals = vals[:max]
	}
	rt.match = vals
}

// regex compiles a pattern built at run time, caching it for the run.
func (rt *runtime) regex(cmp, key string) (*regexpT, error) {
	ck := cmp + "\x00" + key
	if re, ok := rt.regexps[ck]; ok {
		return re, nil
	}
	re, err := compileRegex(cmp, key)
	if err != nil {
		return nil, err
	}
	if rt.regexps == nil {
		rt.regexps = map[string]*regexpT{}
	}
	if len(rt.regexps) < 64 {
		rt.regexps[ck] = re
	}
	return re, nil
}
