package spamfilter

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// ErrHeaderTooLarge is reported by the reader StripHeaders returns when
// the header section passes its limit.
var ErrHeaderTooLarge = errors.New("spamfilter: header section too large")

// StripHeaders returns a reader of msg without the header fields named
// in names (any case), continuation lines included (RFC 5322, section
// 2.2.3): a host strips the HeaderNames() fields a sender wrote before
// adding its own. The header section is held in memory up to maxHeader
// bytes (<= 0: 1 MiB); past it the reader fails with ErrHeaderTooLarge.
// The body streams through untouched.
func StripHeaders(msg io.Reader, names []string, maxHeader int) io.Reader {
	if maxHeader <= 0 {
		maxHeader = 1 << 20
	}
	drop := make(map[string]bool, len(names))
	for _, n := range names {
		drop[strings.ToLower(n)] = true
	}
	br := bufio.NewReader(msg)
	var out bytes.Buffer
	skipping := false
	read := 0
	for {
		line, err := readLine(br, maxHeader-read)
		read += len(line)
		if errors.Is(err, ErrHeaderTooLarge) {
			return io.MultiReader(&out, errorReader{err})
		}
		end := isBlankLine(line)
		switch {
		case end || len(line) == 0:
			out.Write(line)
		case line[0] == ' ' || line[0] == '\t':
			if !skipping {
				out.Write(line)
			}
		default:
			name, _, _ := bytes.Cut(line, []byte(":"))
			skipping = drop[strings.ToLower(string(bytes.TrimRight(name, " \t")))]
			if !skipping {
				out.Write(line)
			}
		}
		if end || err != nil {
			if err != nil && err != io.EOF {
				return io.MultiReader(&out, errorReader{err})
			}
			return io.MultiReader(&out, br)
		}
	}
}

// readLine reads up to and including the next LF, failing with
// ErrHeaderTooLarge once the line passes room bytes. The caller counts
// removed fields against the limit too.
func readLine(br *bufio.Reader, room int) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(line)+len(part) > room {
			return nil, ErrHeaderTooLarge
		}
		line = append(line, part...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

func isBlankLine(line []byte) bool {
	return len(line) > 0 && len(bytes.TrimRight(line, "\r\n")) == 0
}

type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
