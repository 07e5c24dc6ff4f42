package sieve

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Script is a compiled script: immutable, safe for concurrent runs, and
// cheap to cache. Compile a script once and run it for every message.
type Script struct {
	name     string
	cmds     []*node
	requires []string
	ext      map[string]bool
	// includes lists the scripts named by include commands, RFC 6609.
	includes []IncludeRef
	trusted  bool
	opts     *Options
	globals  map[string]bool
	// Warnings found while compiling.
	Warnings []*Error
	size     int
}

// IncludeRef names a script included by another, RFC 6609 section 3.2.
type IncludeRef struct {
	Pos      Pos
	Name     string
	Global   bool // :global location, else :personal
	Optional bool
	Once     bool
}

// Name returns the name the script was compiled under.
func (s *Script) Name() string { return s.name }

// Requires returns the capabilities the script requires, sorted.
func (s *Script) Requires() []string { return append([]string(nil), s.requires...) }

// Includes returns the scripts the script includes.
func (s *Script) Includes() []IncludeRef { return append([]IncludeRef(nil), s.includes...) }

type compiler struct {
	opts    *Options
	errs    *ErrorList
	specs   map[string]*cmdSpec
	ext     map[string]bool
	script  *Script
	hostExt map[string]*Extension
	// loopDepth counts enclosing foreverypart loops; names their labels.
	loops []string
}

// Compile parses and checks a script and compiles it for running. On a
// syntax or semantic error it returns an *ErrorList whose entries carry
// line and column.
func Compile(name, src string, opts *Options) (*Script, error) {
	if opts == nil {
		opts = &Options{}
	}
	if max := opts.maxScriptSize(); len(src) > max {
		return nil, fmt.Errorf("compile %s: %w (%d > %d bytes)", name, ErrTooLarge,
			len(src), max)
	}
	errs := &ErrorList{max: opts.maxErrors()}
	ast := parse(src, errs, opts.maxNesting())
	if len(errs.Errors) > 0 {
		return nil, errs
	}
	c := &compiler{opts: opts, errs: errs, ext: map[string]bool{},
		specs: map[string]*cmdSpec{}}
	c.script = &Script{name: name, ext: c.ext, trusted: opts.Trusted, size: len(src),
		opts: opts}
	c.hostExt = map[string]*Extension{}
	for _, e := range opts.Extensions {
		c.hostExt[e.Name] = e
	}
	c.script.cmds = c.block(ast, nil, true)
	for e := range c.ext {
		c.script.requires = append(c.script.requires, e)
	}
	sort.Strings(c.script.requires)
	c.script.Warnings = errs.Warnings
	if len(errs.Errors) > 0 {
		return nil, errs
	}
	return c.script, nil
}

func (c *compiler) errorf(p Pos, format string, args ...any) {
	c.errs.add(p, fmt.Sprintf(format, args...))
}

// require enables an extension, RFC 5228 section 3.2.
func (c *compiler) require(p Pos, name string) {
	lname := strings.ToLower(name)
	if !c.opts.capable(lname) {
		if e, ok := c.hostExt[name]; ok {
			if e.Trusted && !c.opts.Trusted {
				c.errorf(p, "require command: extension '%s' is only available "+
					"to trusted scripts", name)
				return
			}
			c.enableHost(e)
			return
		}
		c.errorf(p, "require command: unknown Sieve capability '%s'", name)
		return
	}
	c.ext[lname] = true
	for _, dep := range extImplies[lname] {
		c.ext[dep] = true
	}
}

func (c *compiler) enableHost(e *Extension) {
	c.ext[e.Name] = true
	for i := range e.Commands {
		cs := &e.Commands[i]
		key := strings.ToLower(cs.Name)
		if cs.Test {
			key = "?" + key
		}
		c.specs[key] = hostSpec(cs, e.Name)
	}
}

// lookup finds the spec for a command or test name.
func (c *compiler) lookup(name string, test bool) (*cmdSpec, bool) {
	key := name
	if test {
		key = "?" + name
	}
	if s, ok := c.specs[key]; ok {
		return s, true
	}
	s := builtinSpec(name, test)
	if s == nil {
		return nil, false
	}
	if s.ext != "" && !c.ext[s.ext] {
		return s, false
	}
	return s, true
}

func (c *compiler) block(cmds []*CommandNode, parent *node, top bool) []*node {
	var out []*node
	headers := top
	var prev *node
	for _, cn := range cmds {
		if cn.Name == "require" {
			if !headers {
				c.errorf(cn.Pos, "require command: misplaced: can only be used at "+
					"the beginning of the script")
				continue
			}
			c.compileRequire(cn)
			continue
		}
		headers = false
		n := c.command(cn, prev)
		if n != nil {
			out = append(out, n)
		}
		prev = n
		if c.errs.full() {
			break
		}
	}
	return out
}

func (c *compiler) compileRequire(cn *CommandNode) {
	if len(cn.Args) != 1 || cn.Args[0].Kind != ArgStrings || len(cn.Tests) > 0 ||
		cn.HasBlock {
		c.errorf(cn.Pos, "the require command expects a string list argument "+
			"(capabilities)")
		return
	}
	for _, s := range cn.Args[0].Strings {
		c.require(cn.Args[0].Pos, s)
	}
}

func (c *compiler) command(cn *CommandNode, prev *node) *node {
	spec, ok := c.lookup(cn.Name, false)
	if !ok {
		if spec == nil {
			if _, isTest := c.lookup(cn.Name, true); isTest {
				c.errorf(cn.Pos, "unknown command '%s' (only tests can be used in "+
					"conditions)", cn.Name)
				return nil
			}
		}
		c.errorf(cn.Pos, "unknown command '%s' (perhaps a missing require)", cn.Name)
		return nil
	}
	n := &node{spec: spec, pos: cn.Pos, script: c.script}
	if !c.arguments(n, cn.Name, "command", cn.Args) {
		return nil
	}
	// A bad test does not hide a missing block: both are reported.
	testsOK := c.subtests(n, cn.Name, "command", cn.Tests, cn.List)
	switch {
	case spec.block == 1 && !cn.HasBlock:
		c.errorf(cn.Pos, "the %s command requires a command block, but it is missing",
			cn.Name)
		return nil
	case spec.block == 0 && cn.HasBlock:
		c.errorf(cn.Pos, "the %s command does not allow a command block, "+
			"but one is present", cn.Name)
		return nil
	}
	if spec.name == "elsif" || spec.name == "else" {
		if prev == nil || (prev.spec.name != "if" && prev.spec.name != "elsif") {
			c.errorf(cn.Pos, "the %s command must follow an if or elseif command",
				cn.Name)
			return nil
		}
	}
	if !testsOK {
		if cn.HasBlock {
			c.block(cn.Block, n, false)
		}
		return nil
	}
	if spec.check != nil {
		spec.check(c, n)
	}
	if cn.HasBlock && c.ihaveGuard(n) {
		// RFC 5463 section 4: a block guarded by ihave of unknown
		// capabilities is not checked; the test is false at run time.
		return n
	}
	if cn.HasBlock {
		if spec.name == "foreverypart" {
			label := ""
			if v := n.tag("name"); v != nil {
				label = v.strs[0].lit
			}
			c.loops = append(c.loops, label)
			n.block = c.block(cn.Block, n, false)
			c.loops = c.loops[:len(c.loops)-1]
		} else {
			n.block = c.block(cn.Block, n, false)
		}
	}
	return n
}

func (c *compiler) test(tn *TestNode) *node {
	spec, ok := c.lookup(tn.Name, true)
	if !ok {
		if _, isCmd := c.lookup(tn.Name, false); isCmd && spec == nil {
			c.errorf(tn.Pos, "unknown test '%s' (commands cannot be used as tests)",
				tn.Name)
			return nil
		}
		c.errorf(tn.Pos, "unknown test '%s' (perhaps a missing require)", tn.Name)
		return nil
	}
	n := &node{spec: spec, pos: tn.Pos, script: c.script}
	if !c.arguments(n, tn.Name, "test", tn.Args) {
		return nil
	}
	if !c.subtests(n, tn.Name, "test", tn.Tests, tn.List) {
		return nil
	}
	if spec.check != nil {
		spec.check(c, n)
	}
	return n
}

func (c *compiler) subtests(n *node, name, what string, tests []*TestNode, list bool) bool {
	switch n.spec.subtests {
	case -1:
		if len(tests) > 0 {
			c.errorf(n.pos, "the %s %s accepts no tests", name, what)
			return false
		}
		return true
	case 1:
		if len(tests) != 1 || list {
			c.errorf(n.pos, "the %s %s requires one test, but %s", name, what,
				testCount(tests, list))
			return false
		}
	case 2:
		if !list {
			c.errorf(n.pos, "the %s %s requires a test list, but %s", name, what,
				testCount(tests, list))
			return false
		}
	}
	okAll := true
	for _, t := range tests {
		sub := c.test(t)
		if sub == nil {
			okAll = false
			continue
		}
		n.tests = append(n.tests, sub)
	}
	return okAll
}

func testCount(tests []*TestNode, list bool) string {
	switch {
	case len(tests) == 0:
		return "none is specified"
	case list:
		return "a list is specified"
	}
	return "a single test is specified"
}

// arguments matches written arguments against the spec.
func (c *compiler) arguments(n *node, name, what string, args []Argument) bool {
	spec := n.spec
	groups := map[string]string{}
	var pos []Argument
	ok := true
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a.Kind != ArgTag {
			pos = append(pos, a)
			continue
		}
		if len(pos) > 0 {
			c.errorf(a.Pos, "unexpected tagged argument ':%s' after positional "+
				"arguments of the %s %s", a.Tag, name, what)
			ok = false
			continue
		}
		def, found := c.tagDef(spec, a.Tag)
		if !found {
			c.errorf(a.Pos, "unknown tagged argument ':%s' for the %s %s", a.Tag,
				name, what)
			ok = false
			continue
		}
		if def.group != "" {
			if other, dup := groups[def.group]; dup {
				c.errorf(a.Pos, "the :%s tag of the %s %s conflicts with :%s", a.Tag,
					name, what, other)
				ok = false
				continue
			}
			groups[def.group] = a.Tag
		} else if n.tags[a.Tag] != nil {
			c.errorf(a.Pos, "encountered duplicate tag ':%s' for the %s %s", a.Tag,
				name, what)
			ok = false
			continue
		}
		v := &value{pos: a.Pos, set: true}
		if def.val != valNone {
			if i+1 >= len(args) || args[i+1].Kind == ArgTag {
				c.errorf(a.Pos, "the :%s tag for the %s %s requires a %s argument, "+
					"but none was found", a.Tag, name, what, def.val)
				return false
			}
			i++
			if !c.fill(v, args[i], def.val, fmt.Sprintf(":%s tag for the %s %s",
				a.Tag, name, what)) {
				ok = false
				continue
			}
		}
		if n.tags == nil {
			n.tags = map[string]*value{}
		}
		n.tags[a.Tag] = v
	}
	if !ok {
		return false
	}
	return c.positional(n, name, what, pos)
}

func (c *compiler) positional(n *node, name, what string, pos []Argument) bool {
	spec := n.spec
	min := len(spec.args) - spec.optArgs
	if len(pos) < min || len(pos) > len(spec.args) {
		if len(pos) < min {
			c.errorf(n.pos, "the %s %s requires %d positional argument(s), but %d "+
				"were found", name, what, min, len(pos))
		} else {
			c.errorf(pos[len(spec.args)].Pos, "the %s %s requires %d positional "+
				"argument(s), but %d were found", name, what, len(spec.args), len(pos))
		}
		return false
	}
	ok := true
	for i, a := range pos {
		v := &value{pos: a.Pos, set: true}
		desc := fmt.Sprintf("%s %s expects a %s as argument %d", name, what,
			spec.args[i], i+1)
		if !c.fill(v, a, spec.args[i], desc) {
			ok = false
			continue
		}
		n.args = append(n.args, v)
	}
	return ok
}

// fill converts a written argument into a value of the wanted kind.
func (c *compiler) fill(v *value, a Argument, want valKind, desc string) bool {
	switch want {
	case valNumber:
		if a.Kind != ArgNumber {
			c.errorf(a.Pos, "the %s: expected a number, but found a %s", desc,
				argKindName(a))
			return false
		}
		v.num = a.Num
		return true
	case valString:
		if a.Kind != ArgStrings || a.List {
			c.errorf(a.Pos, "the %s: expected a string, but found a %s", desc,
				argKindName(a))
			return false
		}
	case valStrings:
		if a.Kind != ArgStrings {
			c.errorf(a.Pos, "the %s: expected a string list, but found a %s", desc,
				argKindName(a))
			return false
		}
	}
	v.list = a.List
	for _, s := range a.Strings {
		t, ok := c.compileString(a.Pos, s)
		if !ok {
			return false
		}
		v.strs = append(v.strs, t)
	}
	return true
}

func argKindName(a Argument) string {
	switch {
	case a.Kind == ArgNumber:
		return "number"
	case a.Kind == ArgTag:
		return "tag"
	case a.List:
		return "string list"
	}
	return "string"
}

// compileString decodes encoded characters and splits variable references.
func (c *compiler) compileString(p Pos, s string) (*tstr, bool) {
	if c.ext["encoded-character"] && strings.Contains(s, "${") {
		d, err := decodeEncodedChars(s)
		if err != nil {
			c.errorf(p, "%v", err)
			return nil, false
		}
		s = d
	}
	if c.ext["variables"] || c.ext["vnd.dovecot.testsuite"] {
		return parseTemplate(s, c.namespaces()), true
	}
	return &tstr{lit: s}, true
}

func (c *compiler) namespaces() map[string]bool {
	ns := map[string]bool{}
	if c.ext["vnd.dovecot.environment"] {
		ns["env"] = true
	}
	if c.ext["vnd.dovecot.testsuite"] {
		ns["tst"] = true
	}
	if c.ext["include"] {
		ns["global"] = true
	}
	return ns
}

// constString returns the literal value of a string that holds no variable
// reference, reporting whether it is constant.
func constString(t *tstr) (string, bool) { return t.lit, t.parts == nil }

// checkUTF8 reports whether s is valid UTF-8.
func checkUTF8(s string) bool { return utf8.ValidString(s) }

// ihaveGuard reports whether n is an if or elsif guarded by an ihave test
// of capabilities that are not available; available ones are enabled.
func (c *compiler) ihaveGuard(n *node) bool {
	if (n.spec.name != "if" && n.spec.name != "elsif") || len(n.tests) != 1 ||
		n.tests[0].spec.name != "ihave" {
		return false
	}
	t := n.tests[0]
	var caps []string
	for _, s := range t.args[0].strs {
		name, ok := constString(s)
		if !ok {
			return false
		}
		caps = append(caps, strings.ToLower(name))
	}
	for _, name := range caps {
		if !ihaveCapable(c.opts, name) {
			return true
		}
	}
	for _, name := range caps {
		c.require(t.pos, name)
	}
	return false
}

// ihaveCapable reports whether ihave may enable name: encoded-character
// and variables change how strings read and cannot be enabled late
// (RFC 5463 section 4).
func ihaveCapable(o *Options, name string) bool {
	if name == "encoded-character" || name == "variables" {
		return false
	}
	return o.capable(name)
}
