package sieve

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CheckIncludes resolves the scripts that s includes, recursively, as RFC
// 6609 section 3.2 lets an implementation do when a script is uploaded:
// it reports included scripts that do not exist (unless :optional),
// circular inclusion, and nesting or counts beyond the limits of opts.
// The result is an *ErrorList, or nil.
func CheckIncludes(ctx context.Context, s *Script, loader ScriptLoader, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	w := &includeWalker{ctx: ctx, loader: loader, opts: opts, errs: &ErrorList{},
		seen: map[string]bool{}}
	w.walk(s, nil, 1)
	return w.errs.err()
}

// walk checks the includes of s; it reports whether one failed, so that
// each including script up the chain reports the failure too.

type includeWalker struct {
	ctx    context.Context
	loader ScriptLoader
	opts   *Options
	errs   *ErrorList
	seen   map[string]bool
	count  int
}

func (w *includeWalker) walk(s *Script, stack []string, depth int) bool {
	failed := false
	for _, ref := range s.includes {
		name := strings.TrimSuffix(ref.Name, ".sieve")
		key := "personal:" + name
		if ref.Global {
			key = "global:" + name
		}
		for _, k := range stack {
			if k == key {
				w.errs.add(ref.Pos, fmt.Sprintf("circular include of script '%s'", ref.Name))
				return true
			}
		}
		if depth > w.opts.maxIncludeDepth() {
			w.errs.add(ref.Pos, fmt.Sprintf("cannot nest includes deeper than %d "+
				"levels (including '%s')", w.opts.maxIncludeDepth(), ref.Name))
			return true
		}
		if !w.seen[key] {
			w.count++
			w.seen[key] = true
			if w.count > w.opts.maxIncludes() {
				w.errs.add(ref.Pos, fmt.Sprintf("total number of included scripts "+
					"exceeds the limit of %d", w.opts.maxIncludes()))
				return true
			}
		}
		sub, err := w.loader.LoadScript(w.ctx, ref.Name, ref.Global)
		switch {
		case errors.Is(err, ErrScriptNotFound):
			if !ref.Optional {
				w.errs.add(ref.Pos, fmt.Sprintf("included script '%s' does not exist",
					ref.Name))
				failed = true
			}
			continue
		case err != nil:
			w.errs.add(ref.Pos, fmt.Sprintf("failed to include script '%s': %v",
				ref.Name, err))
			failed = true
			continue
		}
		if w.walk(sub, append(stack, key), depth+1) {
			w.errs.add(ref.Pos, fmt.Sprintf("failed to include script '%s'", ref.Name))
			return true
		}
		if w.errs.full() {
			return true
		}
	}
	return failed
}
