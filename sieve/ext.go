package sieve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

func extSpecs() []*cmdSpec {
	m := famMatch
	return []*cmdSpec{
		{name: "environment", ext: "environment", test: true, subtests: -1, fams: m,
			args: []valKind{valString, valStrings}, eval: evalEnvironment,
			check: func(c *compiler, n *node) { checkMatch(c, n, 1) }},
		{name: "ihave", ext: "ihave", test: true, subtests: -1,
			args: []valKind{valStrings}, eval: evalIHave},
		{name: "error", ext: "ihave", subtests: -1, args: []valKind{valString},
			exec: func(rt *runtime, n *node) error {
				return rt.errorf(n, "%s", rt.str1(n.args[0]))
			}},
		{name: "mailboxexists", ext: "mailbox", test: true, subtests: -1,
			args: []valKind{valStrings}, eval: evalMailboxExists},
		{name: "metadata", ext: "mboxmetadata", test: true, subtests: -1, fams: m,
			args: []valKind{valString, valString, valStrings}, eval: evalMetadata,
			check: func(c *compiler, n *node) { checkMatch(c, n, 2) }},
		{name: "metadataexists", ext: "mboxmetadata", test: true, subtests: -1,
			args: []valKind{valString, valStrings}, eval: evalMetadataExists},
		{name: "servermetadata", ext: "servermetadata", test: true, subtests: -1,
			fams: m, args: []valKind{valString, valStrings}, eval: evalServerMetadata,
			check: func(c *compiler, n *node) { checkMatch(c, n, 1) }},
		{name: "servermetadataexists", ext: "servermetadata", test: true,
			subtests: -1, args: []valKind{valStrings}, eval: evalServerMetadataExists},
		{name: "specialuse_exists", ext: "special-use", test: true, subtests: -1,
			args: []valKind{valStrings, valStrings}, optArgs: 1,
			check: checkSpecialUseExists, eval: evalSpecialUseExists},
		{name: "mailboxidexists", ext: "mailboxid", test: true, subtests: -1,
			args: []valKind{valStrings}, eval: evalMailboxIDExists},
		{name: "duplicate", ext: "duplicate", test: true, subtests: -1,
			tags: map[string]tagDef{"handle": {val: valString},
				"header":   {val: valString, group: "dupsrc"},
				"uniqueid": {val: valString, group: "dupsrc"},
				"seconds":  {val: valNumber}, "last": {}},
			eval: evalDuplicate},
		{name: "include", ext: "include", subtests: -1, args: []valKind{valString},
			tags: map[string]tagDef{"personal": {group: "loc"}, "global": {group: "loc"},
				"once": {}, "optional": {}},
			check: checkInclude, exec: execInclude},
		{name: "return", ext: "include", subtests: -1,
			exec: func(*runtime, *node) error { return errReturn }},
		{name: "debug_log", ext: "vnd.dovecot.debug", subtests: -1,
			args: []valKind{valString}, exec: func(rt *runtime, n *node) error {
				rt.opts.logger().Debug("sieve debug", "msg", rt.str1(n.args[0]))
				return nil
			}},
		{name: "date", ext: "date", test: true, subtests: -1,
			fams: famMatch | famIndex | famZone,
			args: []valKind{valString, valString, valStrings}, eval: evalDate,
			check: func(c *compiler, n *node) { checkDate(c, n, 1); checkMatch(c, n, 2) }},
		{name: "currentdate", ext: "date", test: true, subtests: -1,
			fams: famMatch, tags: map[string]tagDef{"zone": {val: valString}},
			args: []valKind{valString, valStrings}, eval: evalCurrentDate,
			check: func(c *compiler, n *node) { checkDate(c, n, 0); checkMatch(c, n, 1) }},
	}
}

func (rt *runtime) envItem(name string) string {
	name = strings.ToLower(name)
	if v, ok := rt.env.Environment[name]; ok {
		return v
	}
	// Variable names cannot hold '-': ${env.a_b} reads item "a-b".
	if v, ok := rt.env.Environment[strings.ReplaceAll(name, "_", "-")]; ok {
		return v
	}
	name = strings.ReplaceAll(name, "_", "-")
	switch name {
	case "name":
		return "Bulwark Sieve"
	case "version":
		return "1.0"
	case "phase":
		return "during"
	case "location":
		return "MDA"
	case "vnd.dovecot.default-mailbox":
		return "INBOX"
	}
	return ""
}

func evalEnvironment(rt *runtime, n *node) (bool, error) {
	name := strings.ToLower(rt.str1(n.args[0]))
	_, set := rt.env.Environment[name]
	switch name {
	case "name", "version", "phase", "location", "vnd.dovecot.default-mailbox":
		set = true
	}
	if !set {
		return false, nil
	}
	return rt.matchValues(n, []string{rt.envItem(name)})
}

func evalIHave(rt *runtime, n *node) (bool, error) {
	for _, c := range rt.strs(n.args[0]) {
		if !ihaveCapable(rt.opts, strings.ToLower(c)) {
			return false, nil
		}
	}
	return true, nil
}

func evalMailboxExists(rt *runtime, n *node) (bool, error) {
	if rt.env.Mailboxes == nil {
		return false, nil
	}
	for _, b := range rt.strs(n.args[0]) {
		if !rt.env.Mailboxes.MailboxExists(rt.ctx, b) {
			return false, nil
		}
	}
	return true, nil
}

func (rt *runtime) meta(box, entry string) (string, bool) {
	if rt.env.Mailboxes == nil {
		return "", false
	}
	return rt.env.Mailboxes.Metadata(rt.ctx, box, entry)
}

func evalMetadata(rt *runtime, n *node) (bool, error) {
	v, ok := rt.meta(rt.str1(n.args[0]), rt.str1(n.args[1]))
	if !ok {
		return false, nil
	}
	return rt.matchValues(n, []string{v})
}

func evalMetadataExists(rt *runtime, n *node) (bool, error) {
	box := rt.str1(n.args[0])
	for _, e := range rt.strs(n.args[1]) {
		if _, ok := rt.meta(box, e); !ok {
			return false, nil
		}
	}
	return true, nil
}

func evalServerMetadata(rt *runtime, n *node) (bool, error) {
	v, ok := rt.meta("", rt.str1(n.args[0]))
	if !ok {
		return false, nil
	}
	return rt.matchValues(n, []string{v})
}

func evalServerMetadataExists(rt *runtime, n *node) (bool, error) {
	for _, e := range rt.strs(n.args[0]) {
		if _, ok := rt.meta("", e); !ok {
			return false, nil
		}
	}
	return true, nil
}

func evalSpecialUseExists(rt *runtime, n *node) (bool, error) {
	if rt.env.Mailboxes == nil {
		return false, nil
	}
	box, uses := "", rt.strs(n.args[0])
	if len(n.args) == 2 {
		box, uses = rt.str1(n.args[0]), rt.strs(n.args[1])
	}
	for _, u := range uses {
		if !rt.env.Mailboxes.SpecialUseExists(rt.ctx, box, u) {
			return false, nil
		}
	}
	return true, nil
}

// evalDuplicate implements RFC 7352 section 3.
func evalDuplicate(rt *runtime, n *node) (bool, error) {
	var id string
	switch {
	case n.has("uniqueid"):
		id = rt.str1(n.tag("uniqueid"))
	case n.has("header"):
		v := headerValues(rt.hdr, rt.str1(n.tag("header")), false)
		if len(v) == 0 {
			return false, nil
		}
		id = v[0]
	default:
		v := headerValues(rt.hdr, "message-id", false)
		if len(v) == 0 {
			return false, nil
		}
		id = v[0]
	}
	key := rt.str1(n.tag("handle")) + "\x00" + id
	period := 7 * 24 * time.Hour
	if v := n.tag("seconds"); v != nil {
		period = time.Duration(v.num) * time.Second
	}
	seen := false
	if rt.env.Duplicates != nil {
		seen = rt.env.Duplicates.Seen(rt.ctx, key)
	}
	for _, d := range rt.dupKeys {
		if d.key == key {
			seen = true
		}
	}
	if !seen || n.has("last") {
		rt.dupKeys = append(rt.dupKeys, dupRecord{key: key, period: period})
	}
	return seen, nil
}

func checkInclude(c *compiler, n *node) {
	name, ok := constString(n.args[0].strs[0])
	if !ok {
		c.errorf(n.args[0].pos, "include: script name must be a constant string")
		return
	}
	if name == "" || strings.ContainsAny(name, "/\x00") || !checkUTF8(name) {
		c.errorf(n.args[0].pos, "include: invalid script name '%s'", name)
		return
	}
	c.script.includes = append(c.script.includes, IncludeRef{Pos: n.pos, Name: name,
		Global: n.has("global"), Optional: n.has("optional"), Once: n.has("once")})
}

// execInclude runs another script, RFC 6609 section 3.2.
func execInclude(rt *runtime, n *node) error {
	name := rt.str1(n.args[0])
	global := n.has("global")
	key := fmt.Sprintf("%v:%s", global, name)
	if n.has("once") && rt.incOnce[key] {
		return nil
	}
	if rt.incOnce == nil {
		rt.incOnce = map[string]bool{}
	}
	if rt.incDepth >= rt.opts.maxIncludeDepth() {
		return &RuntimeError{Pos: n.pos, Msg: "include nesting too deep " +
			"(circular include?)", Err: ErrLimit}
	}
	rt.incCount++
	if rt.incCount > rt.opts.maxIncludes() {
		return &RuntimeError{Pos: n.pos, Msg: "too many included scripts", Err: ErrLimit}
	}
	if rt.env.Scripts == nil {
		return rt.errorf(n, "include: no script storage")
	}
	s, err := rt.env.Scripts.LoadScript(rt.ctx, name, global)
	if err != nil {
		if n.has("optional") && isNotFound(err) {
			return nil
		}
		return &RuntimeError{Pos: n.pos, Msg: fmt.Sprintf("include: failed to "+
			"include script '%s': %v", name, err), Err: err}
	}
	rt.incOnce[key] = true
	vars := rt.vars
	rt.vars = map[string]string{}
	rt.incDepth++
	err = rt.execScript(s)
	rt.incDepth--
	rt.vars = vars
	return err
}

func isNotFound(err error) bool { return errors.Is(err, ErrScriptNotFound) }

func checkSpecialUseExists(c *compiler, n *node) {
	uses := n.args[len(n.args)-1]
	for _, s := range uses.strs {
		if u, ok := constString(s); ok && !validSpecialUse(u) {
			c.errorf(uses.pos, "specialuse_exists test: invalid special-use flag "+
				"'%s' specified", u)
		}
	}
	if len(n.args) == 2 {
		if box, ok := constString(n.args[0].strs[0]); ok && !checkUTF8(box) {
			c.errs.warn(n.args[0].pos, "specialuse_exists test: invalid mailbox name "+
				"(not UTF-8)")
		}
	}
}

// MailboxIDs is the optional ability of Mailboxes to answer RFC 9042
// mailboxidexists.
type MailboxIDs interface {
	MailboxIDExists(ctx context.Context, id string) bool
}

// evalMailboxIDExists implements RFC 9042 section 4.
func evalMailboxIDExists(rt *runtime, n *node) (bool, error) {
	ids, ok := rt.env.Mailboxes.(MailboxIDs)
	if !ok {
		return false, nil
	}
	for _, id := range rt.strs(n.args[0]) {
		if !ids.MailboxIDExists(rt.ctx, id) {
			return false, nil
		}
	}
	return true, nil
}
