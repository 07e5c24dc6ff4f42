package msgparse

import "bytes"

// transferDecoder decodes a Content-Transfer-Encoding (RFC 2045 section 6)
// incrementally and leniently: it never fails, and skips or keeps what it
// cannot read.
type transferDecoder interface {
	// write appends the decoding of src to dst.
	write(dst, src []byte) []byte
	// flush appends what is left at the end of the body.
	flush(dst []byte) []byte
}

// newTransferDecoder returns the decoder for a normalised encoding; unknown
// encodings pass bytes through (RFC 2045 section 6.4 says to treat such a
// body as application/octet-stream, whose bytes are those stored).
func newTransferDecoder(enc string) transferDecoder {
	switch enc {
	case "base64":
		return &base64Decoder{}
	case "quoted-printable":
		return &qpDecoder{}
	case "x-uuencode":
		return &uuDecoder{}
	}
	return identityDecoder{}
}

type identityDecoder struct{}

func (identityDecoder) write(dst, src []byte) []byte { return append(dst, src...) }
func (identityDecoder) flush(dst []byte) []byte      { return dst }

// base64Decoder skips characters outside the alphabet and stops at the
// first padding, as RFC 2045 section 6.8 asks of readers.
type base64Decoder struct {
	q    [4]byte
	n    int
	done bool
}

var b64val = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(a); i++ {
		t[a[i]] = int8(i)
	}
	t['-'], t['_'] = 62, 63 // the URL-safe alphabet, seen in the wild
	return t
}()

func (d *base64Decoder) write(dst, src []byte) []byte {
	for _, c := range src {
		if d.done {
			break
		}
		if c == '=' {
			dst = d.flush(dst)
			if d.n == 0 {
				continue
			}
		}
		v := b64val[c]
		if v < 0 {
			continue
		}
		d.q[d.n] = byte(v)
		d.n++
		if d.n == 4 {
			dst = append(dst, d.q[0]<<2|d.q[1]>>4, d.q[1]<<4|d.q[2]>>2, d.q[2]<<6|d.q[3])
			d.n = 0
		}
	}
	return dst
}

// flush emits a partial quantum: two or three characters still carry one
// or two octets.
func (d *base64Decoder) flush(dst []byte) []byte {
	switch d.n {
	case 2:
		dst = append(dst, d.q[0]<<2|d.q[1]>>4)
	case 3:
		dst = append(dst, d.q[0]<<2|d.q[1]>>4, d.q[1]<<4|d.q[2]>>2)
	}
	d.n = 0
	return dst
}

// decodeBase64Lenient decodes a whole base64 string.
func decodeBase64Lenient(b []byte) []byte {
	var d base64Decoder
	return d.flush(d.write(make([]byte, 0, len(b)*3/4+3), b))
}

// qpDecoder decodes quoted-printable (RFC 2045 section 6.7): "=XX"
// escapes, soft line breaks, trailing white space dropped, hard line
// breaks written as CRLF whatever the stored form; a malformed
// "=" is kept as it is (the rule 1 reading of section 6.7 note 1).
type qpDecoder struct {
	carry []byte // an incomplete escape or trailing white space
}

func (d *qpDecoder) write(dst, src []byte) []byte {
	if len(d.carry) > 0 {
		src = append(d.carry, src...)
		d.carry = nil
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '=':
			rest := src[i+1:]
			switch {
			case len(rest) < 2 && !(len(rest) == 1 && rest[0] == '\n'):
				d.carry = append([]byte(nil), src[i:]...)
				return dst
			case len(rest) >= 2 && unhex(rest[0]) >= 0 && unhex(rest[1]) >= 0:
				dst = append(dst, byte(unhex(rest[0])<<4|unhex(rest[1])))
				i += 2
			case softBreak(rest) > 0:
				i += softBreak(rest)
			default:
				dst = append(dst, '=')
			}
		case '\r':
			switch {
			case i+1 == len(src):
				d.carry = append([]byte(nil), '\r')
				return dst
			case src[i+1] != '\n':
				dst = append(dst, c)
			}
		case '\n':
			// A hard line break is a CRLF in canonical form (section 6.7).
			dst = append(dst, '\r', '\n')
		case ' ', '\t':
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			if j == len(src) {
				d.carry = append([]byte(nil), src[i:]...)
				return dst
			}
			if src[j] != '\r' && src[j] != '\n' {
				dst = append(dst, src[i:j]...)
			}
			i = j - 1
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// softBreak returns the length of white space and line break after "=",
// or 0 when none follows.
func softBreak(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i < len(b) && b[i] == '\n' {
		return i + 1
	}
	if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
		return i + 2
	}
	if i == len(b) && i > 0 {
		return i
	}
	return 0
}

func (d *qpDecoder) flush(dst []byte) []byte {
	c := d.carry
	d.carry = nil
	if len(c) > 0 && c[0] == '=' && !bytes.Equal(c, []byte("=\r")) {
		return append(dst, c...)
	}
	if bytes.Equal(c, []byte("\r")) {
		return append(dst, c...)
	}
	return dst // trailing white space at the end of the body
}
