package wire

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// Encoder writes server responses. Errors are sticky: after the first
// failed write every call is a no-op and Flush reports the error.
type Encoder struct {
	w   *bufio.Writer
	err error

	// UTF8 is set once the client enabled UTF8=ACCEPT or IMAP4rev2: strings
	// may then carry UTF-8 in quoted form and mailbox names are not
	// converted to modified UTF-7 (RFC 6855 section 3, RFC 9051 section 5.1).
	UTF8 bool
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w *bufio.Writer) *Encoder { return &Encoder{w: w} }

// Reset points the encoder at a new writer.
func (e *Encoder) Reset(w *bufio.Writer) { e.w = w }

// Err returns the first write error.
func (e *Encoder) Err() error { return e.err }

// Raw writes s unchanged.
func (e *Encoder) Raw(s string) *Encoder {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
	return e
}

// Byte writes one byte.
func (e *Encoder) Byte(b byte) *Encoder {
	if e.err == nil {
		e.err = e.w.WriteByte(b)
	}
	return e
}

// SP writes a space.
func (e *Encoder) SP() *Encoder { return e.Byte(' ') }

// Atom writes an atom as is.
func (e *Encoder) Atom(s string) *Encoder { return e.Raw(s) }

// Number writes a decimal number.
func (e *Encoder) Number(n uint32) *Encoder { return e.Number64(uint64(n)) }

// Number64 writes a decimal number.
func (e *Encoder) Number64(n uint64) *Encoder {
	if e.err == nil {
		var buf [20]byte
		_, e.err = e.w.Write(strconv.AppendUint(buf[:0], n, 10))
	}
	return e
}

// NIL writes NIL.
func (e *Encoder) NIL() *Encoder { return e.Raw("NIL") }

// needsLiteral reports whether s cannot be sent as a quoted string.
func (e *Encoder) needsLiteral(s string) bool {
	if len(s) > 4096 {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !e.UTF8) {
			return true
		}
	}
	return false
}

// String writes s as a quoted string, or as a literal when it holds line
// ends, NUL, or 8-bit octets outside UTF-8 mode.
func (e *Encoder) String(s string) *Encoder {
	if e.needsLiteral(s) {
		return e.Literal(strings.NewReader(s), int64(len(s)), false)
	}
	return e.Quoted(s)
}

// Quoted writes s between double quotes, escaping quote and backslash.
func (e *Encoder) Quoted(s string) *Encoder {
	e.Byte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			e.Byte('\\')
		}
		e.Byte(c)
	}
	return e.Byte('"')
}

// NString writes s, or NIL when s is empty.
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.NIL()
	}
	return e.String(s)
}

// AString writes s as an atom when it is one, else as a string.
func (e *Encoder) AString(s string) *Encoder {
	if s == "" || strings.EqualFold(s, "NIL") {
		return e.String(s)
	}
	for i := 0; i < len(s); i++ {
		if !isAStringChar(s[i]) {
			return e.String(s)
		}
	}
	return e.Raw(s)
}

// Mailbox writes a mailbox name, converting it to modified UTF-7 unless
// UTF-8 mode is on.
func (e *Encoder) Mailbox(name string) *Encoder {
	if strings.EqualFold(name, "INBOX") {
		return e.Raw("INBOX")
	}
	if !e.UTF8 {
		name = EncodeMUTF7(name)
	}
	return e.String(name)
}

// Literal writes "{n}" CRLF and n octets from r ("~{n}" when binary, RFC
// 3516). Missing octets are padded with spaces so the framing holds. A
// literal that is not binary carries no NUL (RFC 9051 section 4.3): each
// NUL octet of r goes out as 0x80, which keeps the size.
func (e *Encoder) Literal(r io.Reader, n int64, binary bool) *Encoder {
	if binary {
		e.Byte('~')
	} else {
		r = nulToHigh{r}
	}
	e.Byte('{').Number64(uint64(n)).Raw("}\r\n")
	if e.err != nil {
		return e
	}
	got, err := io.CopyN(e.w, r, n)
	if err != nil && err != io.EOF {
		e.err = err
		return e
	}
	for ; got < n && e.err == nil; got++ {
		e.err = e.w.WriteByte(' ')
	}
	return e
}

// CRLF ends a response line.
func (e *Encoder) CRLF() *Encoder { return e.Raw("\r\n") }

// Flush sends buffered output.
func (e *Encoder) Flush() error {
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.err
}

// nulToHigh replaces NUL octets with 0x80 as they are read.
type nulToHigh struct{ r io.Reader }

func (z nulToHigh) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	for b := p[:n]; ; {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			break
		}
		b[i] = 0x80
		b = b[i+1:]
	}
	return n, err
}
