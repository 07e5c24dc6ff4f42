package mailauth

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDuplicateTag is returned when a tag-list names a tag twice, which
// makes the whole list invalid (RFC 6376, section 3.2).
var ErrDuplicateTag = errors.New("mailauth: duplicate tag")

// tagList is a parsed tag=value list (RFC 6376, section 3.2), as used by
// DKIM-Signature, DKIM key records, ARC fields and DMARC records.
type tagList struct {
	names  []string // in order of appearance
	values map[string]string
}

func (t tagList) get(name string) (string, bool) {
	v, ok := t.values[name]
	return v, ok
}

// parseTagList parses a tag-list. Tag names are case-sensitive; values keep
// their inner folding whitespace but lose the surrounding one. An empty
// element (";;" or a trailing ";") is allowed.
func parseTagList(s string) (tagList, error) {
	t := tagList{values: make(map[string]string)}
	for _, spec := range strings.Split(s, ";") {
		spec = strings.Trim(spec, " \t\r\n")
		if spec == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return t, fmt.Errorf("tag %q has no value", spec)
		}
		name = strings.TrimRight(name, " \t\r\n")
		if !validTagName(name) {
			return t, fmt.Errorf("invalid tag name %q", name)
		}
		value = strings.TrimLeft(value, " \t\r\n")
		if err := checkTagValue(value); err != nil {
			return t, fmt.Errorf("tag %s: %w", name, err)
		}
		if _, dup := t.values[name]; dup {
			return t, fmt.Errorf("tag %s: %w", name, ErrDuplicateTag)
		}
		t.names = append(t.names, name)
		t.values[name] = value
	}
	return t, nil
}

func validTagName(n string) bool {
	if n == "" || !isAlpha(n[0]) {
		return false
	}
	for i := 1; i < len(n); i++ {
		if !isAlpha(n[i]) && !isDigit(n[i]) && n[i] != '_' {
			return false
		}
	}
	return true
}

// checkTagValue allows VALCHAR (%x21-3A / %x3C-7E) separated by folding
// whitespace; octets above 0x7e are let through for UTF-8 values.
func checkTagValue(v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ' ' || c == '\t':
		case c == '\r':
			if i+2 >= len(v) || v[i+1] != '\n' || (v[i+2] != ' ' && v[i+2] != '\t') {
				return fmt.Errorf("bad line break in value")
			}
		case c == '\n':
			if i == 0 || v[i-1] != '\r' {
				return fmt.Errorf("bare LF in value")
			}
		case c < 0x21 || c == 0x7f:
			return fmt.Errorf("invalid character %q in value", c)
		}
	}
	return nil
}

// stripFWS removes all whitespace from a value (base64 tags and h=).
func stripFWS(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}
