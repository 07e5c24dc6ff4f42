package managesieve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
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

// maxArgs bounds the arguments of one command.
const maxArgs = 64

// command reads one command line with its literals. A literal over the
// limit is read and thrown away, with the rest of the command, before
// ErrLiteralTooLarge is returned: the client sends a literal without
// waiting (RFC 5804 section 4), so the stream stays in step and the
// session can go on after a NO (QUOTA/MAXSIZE) (RFC 5804 section 1.3).
// The literals of one command together may not exceed twice the limit.
func (r *reader) command() ([]arg, error) {
	line, err := r.line()
	if err != nil {
		return nil, err
	}
	var args []arg
	tooLarge := false
	total := 0
	for {
		lit, err := r.parseLine(line, &args)
		switch {
		case errors.Is(err, ErrLiteralTooLarge):
			tooLarge = true
			if _, err := io.CopyN(io.Discard, r.br, int64(lit)); err != nil {
				return nil, err
			}
		case err != nil:
			if tooLarge {
				return nil, ErrLiteralTooLarge
			}
			return args, err
		case lit < 0:
			if tooLarge {
				return nil, ErrLiteralTooLarge
			}
			if len(args) > maxArgs {
				return nil, errSyntax
			}
			return args, nil
		case tooLarge || total+lit > 2*r.maxLiteral:
			tooLarge = true
			if _, err := io.CopyN(io.Discard, r.br, int64(lit)); err != nil {
				return nil, err
			}
		default:
			total += lit
			buf := make([]byte, lit)
			if _, err := io.ReadFull(r.br, buf); err != nil {
				return nil, err
			}
			args = append(args, arg{kind: argString, s: string(buf)})
		}
		line, err = r.line()
		if err != nil {
			return nil, err
		}
	}
}

// parseLine parses the tokens of one line; lit >= 0 means the line ended
// in a literal of that size, which is also returned with
// ErrLiteralTooLarge when it is over the limit.
func (r *reader) parseLine(line string, args *[]arg) (int, error) {
	i := 0
	for i < len(line) {
		switch c := line[i]; {
		case c == ' ':
			i++
		case c == '"':
			s, n, err := quoted(line[i:])
			if err != nil {
				return -1, err
			}
			*args = append(*args, arg{kind: argString, s: s})
			i += n
		case c == '{':
			end := strings.IndexByte(line[i:], '}')
			if end < 0 || i+end != len(line)-1 {
				return -1, errSyntax
			}
			num := strings.TrimSuffix(line[i+1:i+end], "+")
			n, err := strconv.ParseInt(num, 10, 63)
			if err != nil || n < 0 {
				return -1, errSyntax
			}
			if n > int64(r.maxLiteral) {
				return int(min(n, int64(math.MaxInt))), ErrLiteralTooLarge
			}
			return int(n), nil
		default:
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '"' && line[j] != '{' {
				j++
			}
			*args = append(*args, arg{kind: argAtom, s: line[i:j]})
			i = j
		}
	}
	return -1, nil
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
