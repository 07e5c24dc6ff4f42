package sieve

import (
	"context"
	"strings"
)

// Call is one run of a host command or test. Its arguments are already
// evaluated: variables are expanded.
type Call struct {
	Name string
	Pos  Pos
	// Tags holds the tagged arguments present, without ':'.
	Tags map[string]CallArg
	// Args holds the positional arguments.
	Args []CallArg
	rt   *runtime
	n    *node
	ran  bool
}

// CallArg is an evaluated argument.
type CallArg struct {
	Strings []string
	Num     uint64
}

// Str returns the first string of positional argument i, or "".
func (c *Call) Str(i int) string {
	if i >= len(c.Args) || len(c.Args[i].Strings) == 0 {
		return ""
	}
	return c.Args[i].Strings[0]
}

// Has reports whether a tagged argument is present.
func (c *Call) Has(tag string) bool {
	_, ok := c.Tags[tag]
	return ok
}

// Context returns the run's context.
func (c *Call) Context() context.Context { return c.rt.ctx }

// Host returns the state the host passed to RunWith, if any.
func (c *Call) Host() any { return c.rt.host }

// Match applies the test's match type and comparator to values, with the
// last positional argument as key list. It needs CommandSpec.Match.
func (c *Call) Match(values []string) (bool, error) {
	if c.n.m == nil {
		return false, nil
	}
	return c.rt.matchValues(c.n, values)
}

// SetVariable assigns a script variable (RFC 5229), as :output of host
// functions does.
func (c *Call) SetVariable(name, value string) error {
	return c.rt.setVar(c.n, strings.ToLower(name), value)
}

// RunBlock runs the command's block now; a block command's Run may call it
// to wrap the block. The error of the block is returned.
func (c *Call) RunBlock() error {
	c.ran = true
	return c.rt.execBlock(c.n.block)
}

func kindOf(s string) valKind {
	switch s {
	case "string":
		return valString
	case "strings":
		return valStrings
	case "number":
		return valNumber
	}
	return valNone
}

// hostSpec turns a host CommandSpec into a compiled spec.
func hostSpec(cs *CommandSpec, ext string) *cmdSpec {
	s := &cmdSpec{name: strings.ToLower(cs.Name), ext: ext, test: cs.Test,
		subtests: -1, tags: map[string]tagDef{}}
	for t, k := range cs.Tags {
		s.tags[strings.ToLower(t)] = tagDef{val: kindOf(k)}
	}
	for _, a := range cs.Args {
		s.args = append(s.args, kindOf(a))
	}
	if cs.MinArgs > 0 {
		s.optArgs = len(s.args) - cs.MinArgs
	}
	if cs.Block {
		s.block = 1
	}
	if cs.Match {
		s.fams = famMatch
		s.check = func(c *compiler, n *node) { checkMatch(c, n, len(n.args)-1) }
	}
	run := cs.Run
	if cs.Test {
		s.eval = func(rt *runtime, n *node) (bool, error) {
			return run(rt.call(n))
		}
		return s
	}
	s.exec = func(rt *runtime, n *node) error {
		c := rt.call(n)
		ok, err := run(c)
		if err != nil || !cs.Block || c.ran || !ok {
			return err
		}
		return c.RunBlock()
	}
	return s
}

func (rt *runtime) call(n *node) *Call {
	c := &Call{Name: n.spec.name, Pos: n.pos, rt: rt, n: n,
		Tags: map[string]CallArg{}}
	for name, v := range n.tags {
		c.Tags[name] = CallArg{Strings: rt.strs(v), Num: v.num}
	}
	for _, v := range n.args {
		c.Args = append(c.Args, CallArg{Strings: rt.strs(v), Num: v.num})
	}
	return c
}

// RunWith runs the script like Run, handing host state to host
// extensions through Call.Host.
func (s *Script) RunWith(ctx context.Context, msg Message, env *Env,
	host any) (*Result, error) {
	return s.run(ctx, msg, env, host)
}
