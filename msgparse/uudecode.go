package msgparse

import "bytes"

// uuDecoder decodes x-uuencode bodies: lines between "begin mode name" and
// "end", each led by a length character. Text before "begin" is skipped.
type uuDecoder struct {
	line  []byte
	begun bool
	ended bool
}

// maxUULine bounds the buffered line; real uuencode lines hold 61 octets.
const maxUULine = 1024

func (d *uuDecoder) write(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			d.addLine(src)
			return dst
		}
		d.addLine(src[:i])
		src = src[i+1:]
		dst = d.decodeLine(dst)
	}
	return dst
}

func (d *uuDecoder) addLine(b []byte) {
	if room := maxUULine - len(d.line); room > 0 {
		d.line = append(d.line, b[:min(len(b), room)]...)
	}
}

func (d *uuDecoder) flush(dst []byte) []byte {
	return d.decodeLine(dst)
}

// decodeLine decodes the buffered line and clears it.
func (d *uuDecoder) decodeLine(dst []byte) []byte {
	line := bytes.TrimRight(d.line, "\r")
	d.line = d.line[:0]
	switch {
	case d.ended || len(line) == 0:
		return dst
	case !d.begun:
		d.begun = bytes.HasPrefix(line, []byte("begin "))
		return dst
	case bytes.Equal(bytes.TrimSpace(line), []byte("end")):
		d.ended = true
		return dst
	}
	n := int((line[0] - ' ') & 0x3f)
	body := line[1:]
	out := make([]byte, 0, n+2)
	for i := 0; i+1 < len(body) && len(out) < n; i += 4 {
		var q [4]byte
		for j := 0; j < 4; j++ {
			if i+j < len(body) {
				q[j] = (body[i+j] - ' ') & 0x3f
			}
		}
		out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
	}
	if len(out) > n {
		out = out[:n]
	}
	return append(dst, out...)
}
