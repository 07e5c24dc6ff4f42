package managesieve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Errors of the wire codec.
var (
	// ErrLineTooLong is returned when a command line exceeds the limit.
	ErrLineTooLong = errors.New("managesieve: line too long")
	// ErrLiteralTooLarge is returned when a literal exceeds the limit.
	ErrLiteralTooLarge = errors.New("managesieve: literal too large")
	// errSyntax marks a malformed command.
	errSyntax = errors.New("managesieve: syntax error")
)

// argKind tells atoms from strings.
type argKind int

const (
	argAtom argKind = iota
	argString
)

type arg struct {
	kind argKind
	s    string
}

// reader parses commands, RFC 5804 section 4: atoms, numbers, quoted
// strings and literals ({n+} or {n}) separated by spaces, ending in CRLF.
type reader struct {
	br         *bufio.Reader
	maxLine    int
	maxLiteral int
}

func (r *reader) line() (string, error) {
	var b []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > r.maxLine {
			return "", ErrLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

// command reads one command line with its literals.
func (r *reader) command() ([]arg, error) {
	line, err := r.line()
	if err != nil {
		return nil, err
	}
	var args []arg
	for {
		rest, lit, err := r.parseLine(line, &args)
		if err != nil {
			return args, err
		}
		if lit < 0 {
			return args, nil
		}
		buf := make([]byte, lit)
		if _, err := io.ReadFull(r.br, buf); err != nil {
			return nil, err
		}
		args = append(args, arg{kind: argString, s: string(buf)})
		if rest != "" {
			return args, errSyntax
		}
		line, err = r.line()
		if err != nil {
			return nil, err
		}
	}
}

// parseLine parses the tokens of one line; lit >= 0 means the line ended
// in a literal of that size.
func (r *reader) parseLine(line string, args *[]arg) (string, int, error) {
	i := 0
	for i < len(line) {
		switch c := line[i]; {
		case c == ' ':
			i++
		case c == '"':
			s, n, err := quoted(line[i:])
			if err != nil {
				return "", -1, err
			}
			*args = append(*args, arg{kind: argString, s: s})
			i += n
		case c == '{':
			end := strings.IndexByte(line[i:], '}')
			if end < 0 || i+end != len(line)-1 {
				return "", -1, errSyntax
			}
			num := strings.TrimSuffix(line[i+1:i+end], "+")
			n, err := strconv.Atoi(num)
			if err != nil || n < 0 {
				return "", -1, errSyntax
			}
			if n > r.maxLiteral {
				return "", -1, ErrLiteralTooLarge
			}
			return "", n, nil
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '"' && line[j] != '{' {
				j++
			}
			*args = append(*args, arg{kind: argAtom, s: line[i:j]})
			i = j
		}
	}
	return "", -1, nil
}

// quoted reads a quoted string and returns it with the bytes consumed.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, errSyntax
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, errSyntax
}

// quote writes s as a quoted string, or a literal when it holds CR, LF,
// quotes with many escapes, or is long.
func quote(s string) string {
	if len(s) > 1024 || strings.ContainsAny(s, "\r\n\x00") {
		return fmt.Sprintf("{%d}\r\n%s", len(s), s)
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
