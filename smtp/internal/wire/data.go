package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Faults found in a DATA section. The reader reports them only once the
// real end of data has been read, so the session stays in step.
var (
	// ErrBareLineEnding is returned for a CR or LF that is not part of a
	// CRLF pair (RFC 5321, section 2.3.8) when bare line endings are refused.
	ErrBareLineEnding = errors.New("wire: bare CR or LF in data")

	// ErrLineTooLong is returned for a text line longer than the limit
	// (RFC 5321, section 4.5.3.1.6), or for a command line over its limit.
	ErrLineTooLong = errors.New("wire: line too long")
)

// DataReader reads a DATA section (RFC 5321, section 4.1.1.4) from br: it
// removes dot-stuffing (section 4.5.2) and stops at the only end-of-data
// sequence, CRLF "." CRLF. A lone CR or LF never counts as a line ending
// for that purpose, which makes SMTP smuggling impossible. Read returns
// io.EOF at the end of data, or the first fault once the end is reached.
type DataReader struct {
	br        *bufio.Reader
	maxLine   int  // 0: no limit
	normalise bool // rewrite bare CR and LF to CRLF instead of refusing

	out       []byte // pending output
	scratch   []byte
	lineLen   int  // bytes so far in the current line
	lineStart bool // the next byte starts a line
	afterCRLF bool // the current line started after a real CRLF
	lastCR    bool // the previous chunk ended with CR
	fault     error
	done      bool
	err       error
}

// NewDataReader returns a reader of the DATA section that follows on br.
// maxLine bounds a line including CRLF (0 for none); with normalise set,
// bare CR and LF become CRLF instead of a fault.
func NewDataReader(br *bufio.Reader, maxLine int, normalise bool) *DataReader {
	return &DataReader{br: br, maxLine: maxLine, normalise: normalise,
		lineStart: true, afterCRLF: true}
}

// Read implements io.Reader. It fills p with as many lines as are
// already buffered, and blocks only when it has nothing to return.
func (d *DataReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(d.out) > 0 {
			c := copy(p[n:], d.out)
			d.out = d.out[c:]
			n += c
			continue
		}
		if d.done {
			break
		}
		if n > 0 && d.br.Buffered() == 0 {
			return n, nil
		}
		if err := d.next(); err != nil {
			d.done, d.err = true, err
		}
	}
	if n == 0 && d.done {
		return 0, d.err
	}
	return n, nil
}

// next reads one chunk (a line, or part of a long line) and fills d.out.
func (d *DataReader) next() error {
	chunk, err := d.br.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if d.lineStart && d.afterCRLF && string(chunk) == ".\r\n" {
		d.done = true
		if d.fault != nil {
			return d.fault
		}
		return io.EOF
	}
	d.lineLen += len(chunk)
	if d.maxLine > 0 && d.lineLen > d.maxLine {
		d.setFault(ErrLineTooLong)
	}
	if d.lineStart && chunk[0] == '.' && !isLoneDot(chunk) {
		chunk = chunk[1:]
	}
	d.out = d.scan(chunk)
	return nil
}

// scan checks chunk for bare CR and LF, records where the next line
// starts, and returns the bytes to emit.
func (d *DataReader) scan(chunk []byte) []byte {
	n := len(chunk)
	endsLF := chunk[n-1] == '\n'
	properCRLF := endsLF && (n >= 2 && chunk[n-2] == '\r' || n == 1 && d.lastCR)
	out := chunk
	if d.hasBare(chunk) {
		if d.normalise {
			out = d.rewrite(chunk)
		} else {
			d.setFault(ErrBareLineEnding)
		}
	}
	d.lastCR = !endsLF && chunk[n-1] == '\r'
	d.lineStart = endsLF
	d.afterCRLF = properCRLF
	if endsLF {
		d.lineLen = 0
	}
	return out
}

// hasBare reports whether chunk holds a CR or LF outside a CRLF pair. A CR
// that ends a chunk without LF is judged with the next chunk.
func (d *DataReader) hasBare(chunk []byte) bool {
	n := len(chunk)
	if d.lastCR && chunk[0] != '\n' {
		return true
	}
	for off := 0; ; {
		i := bytes.IndexByte(chunk[off:], '\r')
		if i < 0 {
			break
		}
		pos := off + i
		if pos == n-1 {
			break
		}
		if chunk[pos+1] != '\n' {
			return true
		}
		off = pos + 1
	}
	if chunk[n-1] != '\n' {
		return false
	}
	if n >= 2 {
		return chunk[n-2] != '\r'
	}
	return !d.lastCR
}

// rewrite turns every bare CR or LF of chunk into CRLF.
func (d *DataReader) rewrite(chunk []byte) []byte {
	out := d.scratch[:0]
	if d.lastCR && chunk[0] != '\n' {
		out = append(out, '\n')
	}
	for i, c := range chunk {
		switch c {
		case '\r':
			out = append(out, c)
			if i+1 < len(chunk) && chunk[i+1] != '\n' {
				out = append(out, '\n')
			}
		case '\n':
			if !(i > 0 && chunk[i-1] == '\r' || i == 0 && d.lastCR) {
				out = append(out, '\r')
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	d.scratch = out
	return out
}

func (d *DataReader) setFault(err error) {
	if d.fault == nil {
		d.fault = err
	}
}

// isLoneDot reports whether a line holds only a dot and a line ending; such
// a line that does not end the data keeps its dot (RFC 5321, section 4.5.2
// removes the dot only when other characters follow).
func isLoneDot(chunk []byte) bool {
	s := string(chunk)
	return s == ".\r\n" || s == ".\n" || s == ".\r"
}

// ReadLine reads one command line from br and returns it without its line
// ending (CRLF, or a lone LF, which commands tolerate). A line longer than
// max bytes (line ending included) is consumed entirely and reported as
// ErrLineTooLong. The returned slice is valid until the next read on br.
func ReadLine(br *bufio.Reader, max int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil && len(line) <= max {
		return trimEOL(line), nil
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) > max {
		if err == nil {
			return nil, ErrLineTooLong
		}
		return nil, discardLine(br)
	}
	// A long line within max: gather it.
	buf := append([]byte(nil), line...)
	for {
		line, err = br.ReadSlice('\n')
		buf = append(buf, line...)
		if len(buf) > max {
			if err == nil {
				return nil, ErrLineTooLong
			}
			return nil, discardLine(br)
		}
		if err == nil {
			return trimEOL(buf), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// discardLine skips the rest of an over-long line and returns
// ErrLineTooLong, or the read error that stopped it.
func discardLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err == nil {
			return ErrLineTooLong
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line
}
