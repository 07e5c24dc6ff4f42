// Package wire holds the SMTP wire codec shared by the server and its tests:
// command lines, paths and parameters, xtext, and the DATA framing reader.
package wire

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by the command parsers.
var (
	// ErrSyntax is returned for a command line or argument that does not
	// follow the grammar of RFC 5321, section 4.1.
	ErrSyntax = errors.New("wire: syntax error")

	// ErrControl is returned when a command line holds a control character
	// (CR, NUL and the like), which could smuggle header fields or commands.
	ErrControl = errors.New("wire: control character in command")
)

// Command is one parsed command line: the verb in upper case and the rest
// of the line with the separating space removed.
type Command struct {
	Verb string
	Arg  string
}

// ParseCommand splits a command line (without its line ending) into verb
// and argument, RFC 5321 section 4.1.1. The verb is a run of ASCII letters;
// UTF-8 is allowed in the argument, control characters are not.
func ParseCommand(line []byte) (Command, error) {
	for _, b := range line {
		if b < ' ' && b != '\t' || b == 0x7f {
			return Command{}, ErrControl
		}
	}
	s := string(line)
	verb, arg, _ := strings.Cut(s, " ")
	if verb == "" || len(verb) > 16 {
		return Command{}, fmt.Errorf("parse command: %w", ErrSyntax)
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return Command{}, fmt.Errorf("parse command verb: %w", ErrSyntax)
		}
	}
	return Command{Verb: strings.ToUpper(verb), Arg: strings.TrimRight(arg, " \t")}, nil
}

// Param is one ESMTP parameter of MAIL or RCPT (RFC 5321, section 4.1.2
// esmtp-param). Keys are upper-cased; Value is empty for a bare keyword.
type Param struct {
	Key   string
	Value string
}

// ParsePathArg parses the argument of MAIL ("FROM:") or RCPT ("TO:"):
// the prefix, an angle-bracketed path and the ESMTP parameters. It returns
// the path without brackets and without a source route (RFC 5321, section
// 4.1.2 and appendix C). One space after the colon is tolerated.
func ParsePathArg(arg, prefix string) (string, []Param, error) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", nil, fmt.Errorf("parse path: missing %q: %w", prefix, ErrSyntax)
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if !strings.HasPrefix(rest, "<") {
		return "", nil, fmt.Errorf("parse path: missing '<': %w", ErrSyntax)
	}
	end := closingBracket(rest)
	if end < 0 {
		return "", nil, fmt.Errorf("parse path: missing '>': %w", ErrSyntax)
	}
	path := rest[1:end]
	rest = rest[end+1:]
	if rest != "" && rest[0] != ' ' {
		return "", nil, fmt.Errorf("parse path: junk after '>': %w", ErrSyntax)
	}
	params, err := ParseParams(rest)
	if err != nil {
		return "", nil, err
	}
	path, err = stripSourceRoute(path)
	if err != nil {
		return "", nil, err
	}
	return path, params, nil
}

// closingBracket finds the '>' that ends a path starting with '<', skipping
// quoted strings so that a quoted local part may hold '>'.
func closingBracket(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '<':
			return -1
		case !quoted && c == '>':
			return i
		}
	}
	return -1
}

// stripSourceRoute drops an obsolete "@a,@b:" route, which RFC 5321,
// section 4.1.1.3 says servers must accept and may ignore.
func stripSourceRoute(path string) (string, error) {
	if !strings.HasPrefix(path, "@") {
		return path, nil
	}
	i := strings.IndexByte(path, ':')
	if i < 0 {
		return "", fmt.Errorf("parse source route: %w", ErrSyntax)
	}
	for _, hop := range strings.Split(path[:i], ",") {
		if len(hop) < 2 || hop[0] != '@' {
			return "", fmt.Errorf("parse source route: %w", ErrSyntax)
		}
		if _, err := ParseDomain(hop[1:], false); err != nil {
			return "", err
		}
	}
	return path[i+1:], nil
}

// ParseParams parses space-separated esmtp-keyword["="esmtp-value] items
// (RFC 5321, section 4.1.2). A keyword may appear once.
func ParseParams(s string) ([]Param, error) {
	var params []Param
	for _, f := range strings.Fields(s) {
		k, v, hasValue := strings.Cut(f, "=")
		if !isKeyword(k) || hasValue && !isESMTPValue(v) {
			return nil, fmt.Errorf("parse parameter %q: %w", k, ErrSyntax)
		}
		k = strings.ToUpper(k)
		for _, p := range params {
			if p.Key == k {
				return nil, fmt.Errorf("parse parameter %q: repeated: %w", k, ErrSyntax)
			}
		}
		params = append(params, Param{Key: k, Value: v})
	}
	return params, nil
}

func isKeyword(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		alnum := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-') {
			return false
		}
	}
	return true
}

// isESMTPValue reports whether v is a valid esmtp-value: printable ASCII
// but '=' and SP, plus UTF-8 as RFC 6531, section 3.3 allows.
func isESMTPValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '=' || c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
