package sieve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Env is what a run knows of its surroundings. Every field may be left
// zero: missing services make their tests false.
type Env struct {
	Envelope Envelope
	// Now is the time of delivery; zero means time.Now().
	Now time.Time
	// Location is the time zone for the date extension; nil means UTC.
	Location *time.Location
	// Environment holds RFC 5183 items (domain, host, location, name,
	// phase, remote-host, remote-ip, version, ...).
	Environment map[string]string
	// Mailboxes answers mailboxexists, specialuse_exists and metadata.
	Mailboxes Mailboxes
	// Duplicates tracks the duplicate test, RFC 7352.
	Duplicates DuplicateTracker
	// Scripts loads scripts for include, RFC 6609.
	Scripts ScriptLoader
	// UserAddresses are the recipient's own addresses (vacation).
	UserAddresses []string
	// Lists answers RFC 6134 external lists (:list, valid_ext_list).
	Lists ExternalLists
	// SpamTest configures spamtest and virustest, RFC 5235.
	SpamTest *SpamTestConfig
}

// Mailboxes is the host's view of the recipient's mailboxes.
type Mailboxes interface {
	// MailboxExists reports whether the mailbox exists (RFC 5490 3.1).
	MailboxExists(ctx context.Context, name string) bool
	// SpecialUseExists reports whether a mailbox (or any, when mailbox is
	// "") has the special use (RFC 8579 section 3).
	SpecialUseExists(ctx context.Context, mailbox, use string) bool
	// Metadata returns a mailbox annotation (mailbox "" for server
	// annotations), RFC 5490 section 3.
	Metadata(ctx context.Context, mailbox, entry string) (string, bool)
}

// DuplicateTracker remembers message identifiers, RFC 7352.
type DuplicateTracker interface {
	// Seen reports whether key was recorded within its period.
	Seen(ctx context.Context, key string) bool
	// Record marks key as seen for period; called when the run succeeds.
	Record(ctx context.Context, key string, period time.Duration)
}

// ScriptLoader loads included scripts, RFC 6609.
type ScriptLoader interface {
	// LoadScript returns the compiled script, or an error wrapping
	// ErrScriptNotFound.
	LoadScript(ctx context.Context, name string, global bool) (*Script, error)
}

// ErrScriptNotFound is wrapped by a ScriptLoader when the script does not
// exist.
var ErrScriptNotFound = errors.New("sieve: script not found")

// errStop ends the run (stop command); errReturn leaves an included script.
var (
	errStop   = errors.New("stop")
	errReturn = errors.New("return")
	errBreak  = errors.New("break")
)

type runtime struct {
	ctx      context.Context
	opts     *Options
	script   *Script
	msg      Message
	env      *Env
	now      time.Time
	hdr      []HeaderField
	edited   bool
	body     []byte
	bodyRead bool
	root     *mimePart
	vars     map[string]string
	match    []string
	res      *Result
	implicit bool
	steps    int
	deadline time.Time
	flags    []string
	hasFlags bool
	// includes tracks include state, RFC 6609.
	incDepth   int
	incCount   int
	incOnce    map[string]bool
	globalVars map[string]string
	// part is the current part inside foreverypart, RFC 5703 section 3.
	part      *mimePart
	breakName string
	redirects int
	notifies  int
	dupKeys   []dupRecord
	regexps   map[string]*regexpT
	addrCache map[string][]mailAddr
	sizeDelta int64
	// bodyEdited is set when replace or enclose rewrote the body.
	bodyEdited bool
	// prior counts actions of earlier scripts in a sequence (multiscript).
	prior int
	// host holds state of host extensions (the test suite).
	host any
}

type dupRecord struct {
	key    string
	period time.Duration
}

// Run runs the script against msg and returns the result. On a runtime
// error the result keeps the actions found so far with ImplicitKeep set,
// and the error is a *RuntimeError: RFC 5228 section 2.10.6 asks the host
// to keep the message.
func (s *Script) Run(ctx context.Context, msg Message, env *Env) (*Result, error) {
	return s.run(ctx, msg, env, nil)
}

func (s *Script) run(ctx context.Context, msg Message, env *Env, host any) (*Result, error) {
	return s.runAfter(ctx, msg, env, host, nil)
}

// ErrNoMessage is returned by Run when msg is nil.
var ErrNoMessage = errors.New("sieve: no message")

// runAfter runs the script after earlier scripts of a sequence whose
// result it extends (duplicates merge; conflicts with them are dropped).
func (s *Script) runAfter(ctx context.Context, msg Message, env *Env, host any,
	prev *Result) (res *Result, err error) {
	if msg == nil {
		return &Result{ImplicitKeep: true}, ErrNoMessage
	}
	rt := newRuntime(ctx, s, msg, env)
	defer func() {
		// A fault in the interpreter must not lose the message: keep it.
		if r := recover(); r != nil {
			rt.opts.logger().Error("sieve interpreter fault", "panic", r,
				"script", s.name)
			res = &Result{Actions: rt.res.Actions, ImplicitKeep: true}
			err = &RuntimeError{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	rt.host = host
	if prev != nil {
		rt.res.Actions = append(rt.res.Actions, prev.Actions...)
		rt.prior = len(prev.Actions)
		rt.implicit = prev.ImplicitKeep
	}
	return rt.finish(rt.execScript(s))
}

func newRuntime(ctx context.Context, s *Script, msg Message, env *Env) *runtime {
	if env == nil {
		env = &Env{}
	}
	opts := s.opts
	if opts == nil {
		opts = &Options{}
	}
	rt := &runtime{ctx: ctx, opts: opts, script: s, msg: msg, env: env,
		res: &Result{}, implicit: true, vars: map[string]string{}}
	rt.now = env.Now
	if rt.now.IsZero() {
		rt.now = time.Now()
	}
	rt.hdr = msg.Header()
	rt.deadline = time.Now().Add(opts.maxCPU())
	return rt
}

func (rt *runtime) execScript(s *Script) error {
	prev := rt.script
	rt.script = s
	defer func() { rt.script = prev }()
	err := rt.execBlock(s.cmds)
	if errors.Is(err, errReturn) {
		return nil
	}
	return err
}

func (rt *runtime) finish(err error) (*Result, error) {
	if errors.Is(err, errStop) {
		err = nil
	}
	res := rt.res
	if rt.edited {
		res.Header = rt.hdr
	}
	if rt.bodyEdited {
		res.Body = rt.body
	}
	if err != nil {
		res.ImplicitKeep = true
		var re *RuntimeError
		if !errors.As(err, &re) {
			err = &RuntimeError{Msg: err.Error(), Err: err}
		}
		return res, err
	}
	res.ImplicitKeep = rt.implicit
	res.KeepFlags = rt.flags
	res.HasKeepFlags = rt.hasFlags
	if rt.env.Duplicates != nil {
		for _, d := range rt.dupKeys {
			rt.env.Duplicates.Record(rt.ctx, d.key, d.period)
		}
	}
	return res, nil
}

// step counts one evaluation against the CPU limits.
func (rt *runtime) step(n *node) error {
	rt.steps++
	if rt.steps > rt.opts.maxSteps() {
		return &RuntimeError{Pos: n.pos, Msg: "execution exceeded CPU step limit",
			Err: ErrLimit}
	}
	if rt.steps&15 == 0 {
		if err := rt.ctx.Err(); err != nil {
			return &RuntimeError{Pos: n.pos, Msg: "run cancelled", Err: err}
		}
		if time.Now().After(rt.deadline) {
			return &RuntimeError{Pos: n.pos, Msg: "execution exceeded CPU time limit",
				Err: ErrLimit}
		}
	}
	return nil
}

func (rt *runtime) errorf(n *node, format string, args ...any) error {
	return &RuntimeError{Pos: n.pos, Msg: fmt.Sprintf(format, args...)}
}

func (rt *runtime) execBlock(cmds []*node) error {
	taken := false
	for _, n := range cmds {
		if err := rt.step(n); err != nil {
			return err
		}
		switch n.spec.name {
		case "if":
			taken = false
			fallthrough
		case "elsif":
			if n.spec.name == "elsif" && taken {
				continue
			}
			ok, err := rt.eval(n.tests[0])
			if err != nil {
				return err
			}
			if ok {
				taken = true
				if err := rt.execBlock(n.block); err != nil {
					return err
				}
			}
			continue
		case "else":
			if !taken {
				if err := rt.execBlock(n.block); err != nil {
					return err
				}
			}
			taken = true
			continue
		}
		if err := n.spec.exec(rt, n); err != nil {
			return err
		}
	}
	return nil
}

func (rt *runtime) eval(n *node) (bool, error) {
	if err := rt.step(n); err != nil {
		return false, err
	}
	return n.spec.eval(rt, n)
}

// str expands one compiled string.
func (rt *runtime) str(t *tstr) string {
	if t.parts == nil {
		return t.lit
	}
	size := 0
	for _, p := range t.parts {
		if !p.ref {
			size += len(p.lit)
		}
	}
	buf := make([]byte, 0, size+16)
	for _, p := range t.parts {
		if !p.ref {
			buf = append(buf, p.lit...)
			continue
		}
		buf = append(buf, rt.lookupVar(p)...)
	}
	return string(buf)
}

func (rt *runtime) lookupVar(p tpart) string {
	switch {
	case p.num >= 0:
		if p.num < len(rt.match) {
			return rt.match[p.num]
		}
		return ""
	case p.ns == "env":
		return rt.envItem(p.name)
	case p.ns == "global":
		return rt.globalVars[p.name]
	case p.ns != "":
		if h, ok := rt.host.(interface{ namespace(ns, name string) string }); ok {
			return h.namespace(p.ns, p.name)
		}
		return ""
	}
	if rt.script.globals[p.name] {
		return rt.globalVars[p.name]
	}
	return rt.vars[p.name]
}

// strs expands a string list.
func (rt *runtime) strs(v *value) []string {
	if v == nil {
		return nil
	}
	out := make([]string, len(v.strs))
	for i, t := range v.strs {
		out[i] = rt.str(t)
	}
	return out
}

func (rt *runtime) str1(v *value) string {
	if v == nil || len(v.strs) == 0 {
		return ""
	}
	return rt.str(v.strs[0])
}

// loadBody reads the raw body once.
func (rt *runtime) loadBody() ([]byte, error) {
	if rt.bodyRead {
		return rt.body, nil
	}
	if bm, ok := rt.msg.(interface{ BodyBytes() []byte }); ok {
		rt.body, rt.bodyRead = bm.BodyBytes(), true
		return rt.body, nil
	}
	r, err := rt.msg.Body()
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	rt.body, err = io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	rt.bodyRead = true
	return rt.body, nil
}

// addAction appends an action, enforcing the action limits.
func (rt *runtime) addAction(n *node, a Action) error {
	if len(rt.res.Actions) >= rt.opts.maxActions() {
		return &RuntimeError{Pos: n.pos, Msg: "total number of actions exceeds " +
			"policy limit", Err: ErrLimit}
	}
	a.Pos = n.pos
	if rt.edited {
		a.Header = rt.hdr
	}
	if rt.bodyEdited {
		a.Body = rt.body
	}
	rt.res.Actions = append(rt.res.Actions, a)
	return nil
}

// addresses parses an address header value once per run.
func (rt *runtime) addresses(v string) []mailAddr {
	if a, ok := rt.addrCache[v]; ok {
		return a
	}
	a := parseAddressList(v)
	if rt.addrCache == nil {
		rt.addrCache = map[string][]mailAddr{}
	}
	rt.addrCache[v] = a
	return a
}
