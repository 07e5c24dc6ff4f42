package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Errors returned by the Decoder.
var (
	// ErrLineTooLong is returned when a command line (literals excluded)
	// exceeds Decoder.MaxLine.
	ErrLineTooLong = errors.New("imap: command line too long")

	// ErrLiteralTooBig is returned when a literal announces more octets
	// than Decoder.MaxLiteral allows.
	ErrLiteralTooBig = errors.New("imap: literal too big")

	// ErrTooDeep is returned when parenthesised lists nest deeper than
	// Decoder.MaxDepth.
	ErrTooDeep = errors.New("imap: nesting too deep")
)

// SyntaxError is a malformed command; its text is safe to send in a BAD.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

func syntaxf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// LiteralInfo describes a literal announced on the wire (RFC 9051 section
// 4.3, RFC 7888, RFC 3516 for "~{n}").
type LiteralInfo struct {
	Size    int64
	NonSync bool // "{n+}"
	Binary  bool // "~{n}"
}

// Decoder reads IMAP commands from a client. It handles synchronising
// literals by calling Continue before the literal's octets are read, and
// non-synchronising ones (RFC 7888) without it.
type Decoder struct {
	r *bufio.Reader

	// Continue is called before a synchronising literal is read. It sends
	// the continuation request; an error aborts the literal.
	Continue func(LiteralInfo) error

	// MaxLine bounds the octets of one command outside its literals.
	MaxLine int
	// MaxLiteral bounds the size of one literal.
	MaxLiteral int64
	// MaxSkip bounds the octets of a refused non-synchronizing literal
	// that Skip reads and throws away; zero means no bound.
	MaxSkip int64
	// MaxDepth bounds the nesting of parenthesised lists.
	MaxDepth int

	lineLen int
	// pendingLit is set when the last token was a literal announcement
	// refused before its octets were read.
	lastLit *LiteralInfo
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r *bufio.Reader) *Decoder {
	return &Decoder{r: r, MaxLine: 64 << 10, MaxLiteral: 64 << 20, MaxDepth: 32}
}

// Reset points the decoder at a new reader (after STARTTLS or COMPRESS).
func (d *Decoder) Reset(r *bufio.Reader) { d.r = r }

// Buffered reports how many bytes are already read but unconsumed.
func (d *Decoder) Buffered() int { return d.r.Buffered() }

// Begin starts a new command line.
func (d *Decoder) Begin() { d.lineLen = 0; d.lastLit = nil }

func (d *Decoder) readByte() (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		return 0, err
	}
	d.lineLen++
	if d.MaxLine > 0 && d.lineLen > d.MaxLine {
		return 0, ErrLineTooLong
	}
	return b, nil
}

func (d *Decoder) unread() {
	_ = d.r.UnreadByte()
	d.lineLen--
}

// Peek returns the next byte without consuming it.
func (d *Decoder) Peek() (byte, error) {
	b, err := d.r.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// Accept consumes the next byte if it is c.
func (d *Decoder) Accept(c byte) bool {
	b, err := d.Peek()
	if err != nil || b != c {
		return false
	}
	_, err = d.readByte()
	return err == nil
}

// Expect consumes c or fails.
func (d *Decoder) Expect(c byte, what string) error {
	b, err := d.readByte()
	if err != nil {
		return err
	}
	if b != c {
		d.unread()
		return syntaxf("expected %s", what)
	}
	return nil
}

// SP consumes one space.
func (d *Decoder) SP() error { return d.Expect(' ', "space") }

// CRLF consumes the end of the command line; a bare LF is accepted.
func (d *Decoder) CRLF() error {
	b, err := d.readByte()
	if err != nil {
		return err
	}
	if b == '\r' {
		b, err = d.readByte()
		if err != nil {
			return err
		}
	}
	if b != '\n' {
		d.unread()
		return syntaxf("expected end of line")
	}
	return nil
}

// AtEOL reports whether the next bytes end the line.
func (d *Decoder) AtEOL() bool {
	b, err := d.Peek()
	return err == nil && (b == '\r' || b == '\n')
}

func isAtomChar(b byte) bool {
	switch b {
	case '(', ')', '{', ' ', '%', '*', '"', '\\', ']':
		return false
	}
	return b > 0x20 && b < 0x7f
}

// readWhile reads bytes while ok holds.
func (d *Decoder) readWhile(ok func(byte) bool) (string, error) {
	var sb strings.Builder
	for {
		b, err := d.readByte()
		if err != nil {
			if err == io.EOF && sb.Len() > 0 {
				return sb.String(), nil
			}
			return "", err
		}
		if !ok(b) {
			d.unread()
			return sb.String(), nil
		}
		sb.WriteByte(b)
	}
}

// Atom reads an atom (RFC 9051 section 9, "atom").
func (d *Decoder) Atom() (string, error) {
	s, err := d.readWhile(isAtomChar)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", syntaxf("expected atom")
	}
	return s, nil
}

// Tag reads a command tag: atom characters except "+".
func (d *Decoder) Tag() (string, error) {
	s, err := d.readWhile(func(b byte) bool { return isAtomChar(b) && b != '+' })
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", syntaxf("missing tag")
	}
	return s, nil
}

// ASTRING-CHAR allows "]" too.
func isAStringChar(b byte) bool { return isAtomChar(b) || b == ']' }

// ListChar accepts list-wildcards as well (RFC 9051 "list-char").
func isListChar(b byte) bool { return isAStringChar(b) || b == '%' || b == '*' }

// Token reads a run of bytes that are not space, parens or line ends; used
// for sequence sets, section specs and other compound atoms.
func (d *Decoder) Token() (string, error) {
	s, err := d.readWhile(func(b byte) bool {
		return b > 0x20 && b != '(' && b != ')' && b != 0x7f
	})
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", syntaxf("expected token")
	}
	return s, nil
}

// Number reads a 32-bit number.
func (d *Decoder) Number() (uint32, error) {
	n, err := d.Number64()
	if err != nil {
		return 0, err
	}
	if n > 0xffffffff {
		return 0, syntaxf("number out of range")
	}
	return uint32(n), nil
}

// Number64 reads a 63-bit number (RFC 9051 "number64").
func (d *Decoder) Number64() (uint64, error) {
	s, err := d.readWhile(func(b byte) bool { return b >= '0' && b <= '9' })
	if err != nil {
		return 0, err
	}
	if s == "" {
		return 0, syntaxf("expected number")
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, syntaxf("number out of range")
	}
	return n, nil
}

// Quoted reads a quoted string; the opening quote is next.
func (d *Decoder) Quoted() (string, error) {
	if err := d.Expect('"', "quoted string"); err != nil {
		return "", err
	}
	var sb strings.Builder
	for {
		b, err := d.readByte()
		if err != nil {
			return "", err
		}
		switch b {
		case '"':
			return sb.String(), nil
		case '\\':
			b, err = d.readByte()
			if err != nil {
				return "", err
			}
			if b != '"' && b != '\\' {
				return "", syntaxf("bad escape in quoted string")
			}
		case '\r', '\n':
			d.unread()
			return "", syntaxf("unterminated quoted string")
		case 0:
			return "", syntaxf("NUL in quoted string")
		}
		sb.WriteByte(b)
	}
}

// LiteralHeader reads "{n}", "{n+}" or "~{n}" and the CRLF after it.
func (d *Decoder) LiteralHeader() (LiteralInfo, error) {
	var li LiteralInfo
	if d.Accept('~') {
		li.Binary = true
	}
	if err := d.Expect('{', "literal"); err != nil {
		return li, err
	}
	n, err := d.Number64()
	if err != nil {
		return li, err
	}
	li.Size = int64(n)
	if d.Accept('+') {
		li.NonSync = true
	} else if d.Accept('-') {
		return li, syntaxf("bad literal")
	}
	if err := d.Expect('}', "}"); err != nil {
		return li, err
	}
	if err := d.CRLF(); err != nil {
		return li, err
	}
	d.lastLit = &li
	if d.MaxLiteral > 0 && li.Size > d.MaxLiteral {
		return li, ErrLiteralTooBig
	}
	if !li.NonSync && d.Continue != nil {
		if err := d.Continue(li); err != nil {
			return li, err
		}
	}
	d.lastLit = nil
	return li, nil
}

// LiteralBody returns a reader for the octets of a literal announced by
// LiteralHeader; the caller must read it to the end.
func (d *Decoder) LiteralBody(li LiteralInfo) io.Reader {
	d.lineLen = 0
	return io.LimitReader(d.r, li.Size)
}

// Literal reads a whole literal into memory. A NUL octet is allowed only
// in a binary literal "~{n}" (RFC 9051 section 4.3, RFC 3516 section
// 4.1); in any other the literal is read to its end and refused with a
// SyntaxError, so the rest of the command can be skipped.
func (d *Decoder) Literal() ([]byte, error) {
	li, err := d.LiteralHeader()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, li.Size)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		return nil, err
	}
	d.lineLen = 0
	if !li.Binary && bytes.IndexByte(buf, 0) >= 0 {
		return nil, syntaxf("NUL in a literal that is not binary")
	}
	return buf, nil
}

// String reads a quoted string or a literal.
func (d *Decoder) String() (string, error) {
	b, err := d.Peek()
	if err != nil {
		return "", err
	}
	switch b {
	case '"':
		return d.Quoted()
	case '{', '~':
		lit, err := d.Literal()
		return string(lit), err
	}
	return "", syntaxf("expected string")
}

// AString reads an atom-ish string, a quoted string or a literal.
func (d *Decoder) AString() (string, error) {
	b, err := d.Peek()
	if err != nil {
		return "", err
	}
	if b == '"' || b == '{' || (b == '~' && d.HasPrefixFold("~{")) {
		return d.String()
	}
	s, err := d.readWhile(isAStringChar)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", syntaxf("expected string")
	}
	return s, nil
}

// NString reads a string or NIL; ok is false for NIL.
func (d *Decoder) NString() (s string, ok bool, err error) {
	b, err := d.Peek()
	if err != nil {
		return "", false, err
	}
	if b == 'N' || b == 'n' {
		a, err := d.Atom()
		if err != nil {
			return "", false, err
		}
		if !strings.EqualFold(a, "NIL") {
			return "", false, syntaxf("expected NIL or string")
		}
		return "", false, nil
	}
	s, err = d.String()
	return s, err == nil, err
}

// ListMailbox reads a LIST pattern (RFC 9051 "list-mailbox").
func (d *Decoder) ListMailbox() (string, error) {
	b, err := d.Peek()
	if err != nil {
		return "", err
	}
	if b == '"' || b == '{' || (b == '~' && d.HasPrefixFold("~{")) {
		return d.String()
	}
	s, err := d.readWhile(isListChar)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", syntaxf("expected mailbox pattern")
	}
	return s, nil
}

// List reads a parenthesised list, calling item for each element. The
// opening parenthesis is next. Elements are separated by single spaces.
func (d *Decoder) List(depth int, item func() error) error {
	if d.MaxDepth > 0 && depth >= d.MaxDepth {
		return ErrTooDeep
	}
	if err := d.Expect('(', "("); err != nil {
		return err
	}
	if d.Accept(')') {
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if d.Accept(')') {
			return nil
		}
		if err := d.SP(); err != nil {
			return syntaxf("expected space or )")
		}
	}
}

// RefusedSyncLiteral reports whether the last error was a synchronizing
// literal refused before the client sent it: the command is then well
// formed, and the refusal is a NO rather than a BAD.
func (d *Decoder) RefusedSyncLiteral() bool {
	return d.lastLit != nil && !d.lastLit.NonSync
}

// Skip discards the rest of a bad command. It returns false when the
// connection cannot continue: the stream failed, or a non-synchronizing
// literal over the limit announced more than MaxSkip octets, which the
// server will not read to find the next command (RFC 7888 section 4
// lets it close the connection instead).
func (d *Decoder) Skip() bool {
	if li := d.lastLit; li != nil {
		d.lastLit = nil
		if !li.NonSync {
			return true // client sends nothing until "+"; the line is over
		}
		if d.MaxSkip > 0 && li.Size > d.MaxSkip {
			return false
		}
		if _, err := io.CopyN(io.Discard, d.r, li.Size); err != nil {
			return false
		}
	}
	for {
		line, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return false
		}
		li, ok := trailingLiteral(line)
		if !ok {
			return true
		}
		if !li.NonSync {
			return true
		}
		if _, err := io.CopyN(io.Discard, d.r, li.Size); err != nil {
			return false
		}
	}
}

// trailingLiteral finds a literal announcement at the end of line.
func trailingLiteral(line []byte) (LiteralInfo, bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if !strings.HasSuffix(s, "}") {
		return LiteralInfo{}, false
	}
	i := strings.LastIndexByte(s, '{')
	if i < 0 {
		return LiteralInfo{}, false
	}
	num := s[i+1 : len(s)-1]
	var li LiteralInfo
	if strings.HasSuffix(num, "+") {
		li.NonSync = true
		num = num[:len(num)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return LiteralInfo{}, false
	}
	li.Size = n
	return li, true
}

// ReadLine reads one line (without its CRLF) outside command parsing, as
// AUTHENTICATE and IDLE need; it keeps to MaxLine.
func (d *Decoder) ReadLine() (string, error) {
	d.Begin()
	var sb strings.Builder
	for {
		b, err := d.readByte()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			return strings.TrimSuffix(sb.String(), "\r"), nil
		}
		sb.WriteByte(b)
	}
}

// AcceptWord consumes word and the space after it when they come next
// (case-insensitively); otherwise nothing is consumed.
func (d *Decoder) AcceptWord(word string) bool {
	if !d.HasPrefixFold(word + " ") {
		return false
	}
	for range len(word) + 1 {
		if _, err := d.readByte(); err != nil {
			return false
		}
	}
	return true
}

// HasPrefixFold reports whether the next bytes are p, compared without
// case. It peeks one byte more only while the bytes so far match, so it
// never waits for input past the end of a line.
func (d *Decoder) HasPrefixFold(p string) bool {
	for i := 1; i <= len(p); i++ {
		b, err := d.r.Peek(i)
		if err != nil {
			return false
		}
		c, w := b[i-1], p[i-1]
		if c != w && !(c|0x20 == w|0x20 && c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}
