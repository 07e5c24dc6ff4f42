package sieve

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is a position in a script: 1-based line and column (in bytes).
type Pos struct {
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokTag
	tokNumber
	tokString
	tokLBracket
	tokRBracket
	tokLParen
	tokRParen
	tokLBrace
	tokRBrace
	tokComma
	tokSemicolon
	tokError
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of script"
	case tokIdent:
		return "identifier"
	case tokTag:
		return "tag"
	case tokNumber:
		return "number"
	case tokString:
		return "string"
	case tokLBracket:
		return "'['"
	case tokRBracket:
		return "']'"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokLBrace:
		return "'{'"
	case tokRBrace:
		return "'}'"
	case tokComma:
		return "','"
	case tokSemicolon:
		return "';'"
	}
	return "invalid token"
}

type token struct {
	kind tokKind
	pos  Pos
	text string // identifier/tag name (lower-cased), string value
	num  uint64
	// multiline is set for strings from "text:" blocks.
	multiline bool
}

// lexer splits a script into tokens, RFC 5228 section 8.1.
type lexer struct {
	src  string
	off  int
	line int
	col  int
	errs *ErrorList
}

func newLexer(src string, errs *ErrorList) *lexer {
	return &lexer{src: src, line: 1, col: 1, errs: errs}
}

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col} }

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off++
	}
}

func (l *lexer) errorf(p Pos, format string, args ...any) {
	l.errs.add(p, fmt.Sprintf(format, args...))
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			l.advance(1)
		case c == '#':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && strings.HasPrefix(l.src[l.off:], "/*"):
			p := l.pos()
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				l.errorf(p, "end of file before end of bracket comment ('/* ... */') "+
					"started at line %d", p.Line)
				l.advance(len(l.src) - l.off)
				return
			}
			l.advance(end + 4)
		default:
			return
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// next returns the next token.
func (l *lexer) next() token {
	l.skipSpace()
	p := l.pos()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: p}
	}
	c := l.src[l.off]
	if k, ok := punct(c); ok {
		l.advance(1)
		return token{kind: k, pos: p}
	}
	switch {
	case c == '"':
		return l.quoted(p)
	case c == ':':
		l.advance(1)
		if l.off >= len(l.src) || !isIdentStart(l.src[l.off]) {
			l.errorf(p, "unexpected character(s) following tag ':'")
			return token{kind: tokError, pos: p}
		}
		id := l.ident()
		return token{kind: tokTag, pos: p, text: strings.ToLower(id)}
	case c >= '0' && c <= '9':
		return l.number(p)
	case isIdentStart(c):
		id := l.ident()
		if strings.EqualFold(id, "text") && l.off < len(l.src) && l.src[l.off] == ':' {
			l.advance(1)
			return l.multiline(p)
		}
		return token{kind: tokIdent, pos: p, text: strings.ToLower(id)}
	}
	l.errorf(p, "unexpected character '%s'", printable(c))
	l.advance(1)
	return token{kind: tokError, pos: p}
}

func printable(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("\\%03o", c)
	}
	return string(c)
}

func (l *lexer) ident() string {
	start := l.off
	for l.off < len(l.src) && isIdentChar(l.src[l.off]) {
		l.advance(1)
	}
	return l.src[start:l.off]
}

func (l *lexer) number(p Pos) token {
	start := l.off
	for l.off < len(l.src) && l.src[l.off] >= '0' && l.src[l.off] <= '9' {
		l.advance(1)
	}
	digits := l.src[start:l.off]
	n, err := strconv.ParseUint(digits, 10, 64)
	var mult uint64 = 1
	if l.off < len(l.src) {
		switch l.src[l.off] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			l.advance(1)
		}
	}
	if l.off < len(l.src) && isIdentStart(l.src[l.off]) {
		l.errorf(p, "unexpected character(s) following number")
		l.ident()
		return token{kind: tokError, pos: p}
	}
	if err != nil || n > (1<<63-1)/mult {
		l.errorf(p, "number exceeds integer limit")
		return token{kind: tokError, pos: p}
	}
	return token{kind: tokNumber, pos: p, num: n * mult}
}

func (l *lexer) quoted(p Pos) token {
	l.advance(1)
	var b strings.Builder
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch c {
		case '"':
			l.advance(1)
			return token{kind: tokString, pos: p, text: b.String()}
		case '\\':
			if l.off+1 < len(l.src) {
				b.WriteByte(l.src[l.off+1])
				l.advance(2)
				continue
			}
			l.advance(1)
		case '\n':
			// Line breaks in strings are CRLF, RFC 5228 section 2.4.2.
			if s := b.String(); s == "" || s[len(s)-1] != '\r' {
				b.WriteByte('\r')
			}
			b.WriteByte(c)
			l.advance(1)
		default:
			b.WriteByte(c)
			l.advance(1)
		}
	}
	l.errorf(p, "end of script before end of quoted string started at line %d", p.Line)
	return token{kind: tokError, pos: p}
}

// multiline reads a "text:" string, RFC 5228 section 2.4.2. Lines end in
// CRLF in the value; a leading ".." loses one dot.
func (l *lexer) multiline(p Pos) token {
	for l.off < len(l.src) {
		c := l.src[l.off]
		if c == ' ' || c == '\t' || c == '\r' {
			l.advance(1)
			continue
		}
		if c == '#' {
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
			continue
		}
		break
	}
	if l.off < len(l.src) && l.src[l.off] != '\n' {
		l.errorf(p, "invalid character following 'text:' (expected end of line)")
		for l.off < len(l.src) && l.src[l.off] != '\n' {
			l.advance(1)
		}
	}
	l.advance(1)
	var b strings.Builder
	for l.off < len(l.src) {
		end := strings.IndexByte(l.src[l.off:], '\n')
		n := end + 1
		if end < 0 {
			end = len(l.src) - l.off
			n = end
		}
		line := strings.TrimSuffix(l.src[l.off:l.off+end], "\r")
		l.advance(n)
		if line == "." {
			return token{kind: tokString, pos: p, text: b.String(), multiline: true}
		}
		if strings.HasPrefix(line, "..") {
			line = line[1:]
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	l.errorf(p, "end of script before end of multi-line string started at line %d", p.Line)
	return token{kind: tokError, pos: p}
}

func punct(c byte) (tokKind, bool) {
	switch c {
	case '[':
		return tokLBracket, true
	case ']':
		return tokRBracket, true
	case '(':
		return tokLParen, true
	case ')':
		return tokRParen, true
	case '{':
		return tokLBrace, true
	case '}':
		return tokRBrace, true
	case ',':
		return tokComma, true
	case ';':
		return tokSemicolon, true
	}
	return 0, false
}
