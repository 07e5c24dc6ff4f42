package sieve

import "fmt"

// parser builds the syntax tree of RFC 5228 section 8.2.
type parser struct {
	lex      *lexer
	tok      token
	errs     *ErrorList
	maxDepth int
}

// Parse reads a script into its syntax tree. On error it returns the
// commands read so far and an *ErrorList naming each problem's line and
// column.
func Parse(src string) ([]*CommandNode, error) {
	errs := &ErrorList{max: 50}
	cmds := parse(src, errs, 0)
	return cmds, errs.err()
}

func parse(src string, errs *ErrorList, maxDepth int) []*CommandNode {
	if maxDepth <= 0 {
		maxDepth = 64
	}
	p := &parser{lex: newLexer(src, errs), errs: errs, maxDepth: maxDepth}
	p.next()
	var cmds []*CommandNode
	for p.tok.kind != tokEOF && !errs.full() {
		if c := p.command(0); c != nil {
			cmds = append(cmds, c)
		}
		if p.tok.kind == tokRBrace {
			p.errorf(p.tok.pos, "unexpected '}' found (no matching '{')")
			p.next()
		}
	}
	return cmds
}

func (p *parser) next() {
	p.tok = p.lex.next()
	for p.tok.kind == tokError && !p.errs.full() {
		p.tok = p.lex.next()
	}
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	p.errs.add(pos, fmt.Sprintf(format, args...))
}

// recover skips to the end of the current command.
func (p *parser) recover() {
	depth := 0
	for p.tok.kind != tokEOF {
		switch p.tok.kind {
		case tokSemicolon:
			if depth == 0 {
				p.next()
				return
			}
		case tokLBrace:
			depth++
		case tokRBrace:
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				p.next()
				return
			}
		}
		p.next()
	}
}

func (p *parser) command(depth int) *CommandNode {
	if p.tok.kind != tokIdent {
		p.errorf(p.tok.pos, "expected identifier (command name), but found %s", p.tok.kind)
		p.recover()
		return nil
	}
	c := &CommandNode{Name: p.tok.text, Pos: p.tok.pos}
	p.next()
	ok := true
	c.Args, c.Tests, c.List, ok = p.arguments(depth)
	if !ok {
		p.recover()
		return nil
	}
	switch p.tok.kind {
	case tokSemicolon:
		p.next()
	case tokLBrace:
		if depth+1 > p.maxDepth {
			p.errorf(p.tok.pos, "cannot nest command blocks deeper than %d levels",
				p.maxDepth)
			p.recover()
			return nil
		}
		c.HasBlock = true
		p.next()
		for p.tok.kind != tokRBrace && p.tok.kind != tokEOF && !p.errs.full() {
			if sub := p.command(depth + 1); sub != nil {
				c.Block = append(c.Block, sub)
			}
		}
		if p.tok.kind != tokRBrace {
			p.errorf(p.tok.pos, "expected '}' to end the block of command '%s', "+
				"but found %s", c.Name, p.tok.kind)
			return c
		}
		p.next()
	default:
		p.errorf(p.tok.pos, "expected ';' or '{' after command '%s', but found %s",
			c.Name, p.tok.kind)
		p.recover()
		return nil
	}
	return c
}

// arguments reads *argument [test / test-list].
func (p *parser) arguments(depth int) ([]Argument, []*TestNode, bool, bool) {
	var args []Argument
	for {
		a, ok, done := p.argument()
		if !ok {
			return nil, nil, false, false
		}
		if done {
			break
		}
		args = append(args, a)
	}
	switch p.tok.kind {
	case tokIdent:
		t := p.test(depth + 1)
		if t == nil {
			return nil, nil, false, false
		}
		return args, []*TestNode{t}, false, true
	case tokLParen:
		tests, ok := p.testList(depth + 1)
		return args, tests, true, ok
	}
	return args, nil, false, true
}

// argument reads one argument; done reports that none starts here.
func (p *parser) argument() (a Argument, ok, done bool) {
	t := p.tok
	switch t.kind {
	case tokTag:
		p.next()
		return Argument{Kind: ArgTag, Pos: t.pos, Tag: t.text}, true, false
	case tokNumber:
		p.next()
		return Argument{Kind: ArgNumber, Pos: t.pos, Num: t.num}, true, false
	case tokString:
		p.next()
		return Argument{Kind: ArgStrings, Pos: t.pos, Strings: []string{t.text},
			Multiline: t.multiline}, true, false
	case tokLBracket:
		p.next()
		a := Argument{Kind: ArgStrings, Pos: t.pos, List: true}
		for {
			if p.tok.kind != tokString {
				p.errorf(p.tok.pos, "expected string in string list, but found %s",
					p.tok.kind)
				return a, false, false
			}
			a.Strings = append(a.Strings, p.tok.text)
			p.next()
			if p.tok.kind == tokRBracket {
				p.next()
				return a, true, false
			}
			if p.tok.kind != tokComma {
				p.errorf(p.tok.pos, "expected ',' or ']' in string list, but found %s",
					p.tok.kind)
				return a, false, false
			}
			p.next()
		}
	}
	return a, true, true
}

func (p *parser) test(depth int) *TestNode {
	if depth > p.maxDepth {
		p.errorf(p.tok.pos, "cannot nest tests deeper than %d levels", p.maxDepth)
		return nil
	}
	if p.tok.kind != tokIdent {
		p.errorf(p.tok.pos, "expected test name, but found %s", p.tok.kind)
		return nil
	}
	t := &TestNode{Name: p.tok.text, Pos: p.tok.pos}
	p.next()
	var ok bool
	t.Args, t.Tests, t.List, ok = p.arguments(depth)
	if !ok {
		return nil
	}
	return t
}

func (p *parser) testList(depth int) ([]*TestNode, bool) {
	p.next() // '('
	var tests []*TestNode
	for {
		t := p.test(depth)
		if t == nil {
			return nil, false
		}
		tests = append(tests, t)
		switch p.tok.kind {
		case tokRParen:
			p.next()
			return tests, true
		case tokComma:
			p.next()
		default:
			p.errorf(p.tok.pos, "expected ',' or ')' in test list, but found %s",
				p.tok.kind)
			return nil, false
		}
	}
}
