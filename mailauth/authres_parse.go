package mailauth

import (
	"fmt"
	"strings"
)

// arParser reads the RFC 8601 grammar, skipping comments as CFWS.
type arParser struct {
	s string
	i int
}

func (p *arParser) eof() bool { p.cfws(); return p.i >= len(p.s) }

func (p *arParser) take(c byte) bool {
	p.cfws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// cfws skips white space and nested comments (RFC 5322, section 3.2.2).
func (p *arParser) cfws() {
	depth := 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '\\' && depth > 0:
			p.i++
		case depth > 0, c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return
		}
		p.i++
	}
}

// value reads a token or a quoted string.
func (p *arParser) value() (string, error) {
	p.cfws()
	if p.i >= len(p.s) {
		return "", fmt.Errorf("%w: value expected", ErrBadAuthResults)
	}
	if p.s[p.i] == '"' {
		return p.quoted()
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n;()=\"", rune(p.s[p.i])) {
		p.i++
	}
	if p.i == start {
		return "", fmt.Errorf("%w: value expected at %d", ErrBadAuthResults, p.i)
	}
	return p.s[start:p.i], nil
}

func (p *arParser) quoted() (string, error) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i+1 < len(p.s) {
				p.i++
				b.WriteByte(p.s[p.i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("%w: unterminated quoted string", ErrBadAuthResults)
}

// resinfo reads methodspec [reasonspec] *propspec.
func (p *arParser) resinfo() (AuthResult, error) {
	r := AuthResult{Props: map[string]string{}}
	m, err := p.value()
	if err != nil {
		return r, err
	}
	r.Method, _, _ = strings.Cut(strings.ToLower(m), "/")
	if r.Method == "none" {
		return r, nil
	}
	if !p.take('=') {
		return r, fmt.Errorf("%w: method %q has no result", ErrBadAuthResults, m)
	}
	if r.Result, err = p.value(); err != nil {
		return r, err
	}
	r.Result = strings.ToLower(r.Result)
	for !p.eof() && p.s[p.i] != ';' {
		name, err := p.value()
		if err != nil {
			return r, err
		}
		if !p.take('=') {
			return r, fmt.Errorf("%w: property %q has no value", ErrBadAuthResults, name)
		}
		v, err := p.value()
		if err != nil {
			return r, err
		}
		name = strings.ToLower(name)
		if name == "reason" {
			r.Reason = v
			continue
		}
		if !strings.Contains(name, ".") {
			return r, fmt.Errorf("%w: bad property %q", ErrBadAuthResults, name)
		}
		r.Props[name] = v
	}
	return r, nil
}
