package sieve

import (
	"context"
	"strings"
)

// ExternalLists answers the :list match type and valid_ext_list test of
// RFC 6134, such as address books.
type ExternalLists interface {
	// ValidList reports whether the list (a full URN) exists.
	ValidList(ctx context.Context, list string) bool
	// ListContains reports whether value is a member of the list.
	ListContains(ctx context.Context, list, value string) (bool, error)
}

func extListSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "valid_ext_list", ext: "extlists", test: true, subtests: -1,
			args: []valKind{valStrings}, eval: evalValidExtList},
	}
}

// listURN expands the ":addrbook:default" short form, RFC 6134 section 2.
func listURN(name string) string {
	if strings.HasPrefix(name, ":") {
		return "urn:ietf:params:sieve" + name
	}
	return name
}

func evalValidExtList(rt *runtime, n *node) (bool, error) {
	if rt.env.Lists == nil {
		return false, nil
	}
	for _, l := range rt.strs(n.args[0]) {
		if !rt.env.Lists.ValidList(rt.ctx, listURN(l)) {
			return false, nil
		}
	}
	return true, nil
}

// matchList applies the :list match type: values are looked up in the
// lists named by the keys, and ${0} holds the member found.
func (rt *runtime) matchList(n *node, values, keys []string) (bool, error) {
	if rt.env.Lists == nil {
		return false, nil
	}
	for _, k := range keys {
		list := listURN(k)
		for _, v := range values {
			if err := rt.step(n); err != nil {
				return false, err
			}
			ok, err := rt.env.Lists.ListContains(rt.ctx, list, v)
			if err != nil {
				return false, rt.errorf(n, "list lookup in %s failed: %v", list, err)
			}
			if ok {
				rt.setMatch([]string{v})
				return true, nil
			}
		}
	}
	return false, nil
}
