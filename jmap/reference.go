package jmap

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// ResultReference points into the result of an earlier call (RFC 8620
// section 3.7).
type ResultReference struct {
	ResultOf string `json:"resultOf"`
	Name     string `json:"name"`
	Path     string `json:"path"`
}

// resolveReferences replaces each "#name" argument by the value its
// ResultReference designates.
func resolveReferences(raw json.RawMessage, prev []Invocation) (map[string]json.RawMessage,
	*MethodError) {
	var args map[string]json.RawMessage
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, invalidArgs("arguments are not an object")
	}
	for k, v := range args {
		name, ok := strings.CutPrefix(k, "#")
		if !ok {
			continue
		}
		if _, dup := args[name]; dup {
			return nil, invalidArgs("both " + name + " and #" + name + " given")
		}
		var ref ResultReference
		if err := json.Unmarshal(v, &ref); err != nil {
			return nil, methodErr(ErrTypeInvalidResultReference, "malformed reference")
		}
		val, err := evalReference(ref, prev)
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(val)
		delete(args, k)
		args[name] = b
	}
	return args, nil
}

func evalReference(ref ResultReference, prev []Invocation) (any, *MethodError) {
	for _, inv := range prev {
		if inv.CallID != ref.ResultOf {
			continue
		}
		if inv.Name != ref.Name {
			return nil, methodErr(ErrTypeInvalidResultReference, "name does not match")
		}
		var doc any
		if err := json.Unmarshal(inv.Args, &doc); err != nil {
			return nil, methodErr(ErrTypeServerFail, "")
		}
		v, ok := evalPointer(doc, ref.Path)
		if !ok {
			return nil, methodErr(ErrTypeInvalidResultReference, "path does not resolve")
		}
		return v, nil
	}
	return nil, methodErr(ErrTypeInvalidResultReference, "no result "+ref.ResultOf)
}

// evalPointer evaluates a JSON Pointer (RFC 6901) with the "*" extension
// of RFC 8620 section 3.7: "*" maps the rest of the path over an array
// and flattens arrays that result.
func evalPointer(doc any, path string) (any, bool) {
	if path == "" {
		return doc, true
	}
	if !strings.HasPrefix(path, "/") {
		return nil, false
	}
	return walkPointer(doc, strings.Split(path[1:], "/"))
}

func walkPointer(cur any, toks []string) (any, bool) {
	for i, tok := range toks {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok && tok == "*" {
				// Many clients also map "*" over the values of an
				// object, such as the created map of a /set.
				return mapPointer(sortedValues(v), toks[i+1:])
			}
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			if tok == "*" {
				return mapPointer(v, toks[i+1:])
			}
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(v) {
				return nil, false
			}
			cur = v[n]
		default:
			return nil, false
		}
	}
	return cur, true
}

func mapPointer(items []any, rest []string) (any, bool) {
	out := []any{}
	for _, it := range items {
		v, ok := walkPointer(it, rest)
		if !ok {
			return nil, false
		}
		if arr, isArr := v.([]any); isArr {
			out = append(out, arr...)
		} else {
			out = append(out, v)
		}
	}
	return out, true
}

func sortedValues(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
