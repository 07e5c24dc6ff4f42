package msgparse

import (
	"strings"
	"unicode/utf16"
)

// decodeUTF7 decodes UTF-7 (RFC 2152), which golang.org/x/text lacks:
// "+" opens a run of modified base64 holding UTF-16 code units, and "-" or
// any character outside the base64 alphabet closes it; "+-" is "+".
func decodeUTF7(b []byte) string {
	var out strings.Builder
	var units []uint16
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			out.WriteByte(c)
			continue
		}
		if i+1 < len(b) && b[i+1] == '-' {
			out.WriteByte('+')
			i++
			continue
		}
		var bits uint32
		nbits := 0
		units = units[:0]
		j := i + 1
		for ; j < len(b); j++ {
			v := b64val[b[j]]
			if v < 0 || b[j] == '-' || b[j] == '_' {
				break
			}
			bits = bits<<6 | uint32(v)
			nbits += 6
			if nbits >= 16 {
				nbits -= 16
				units = append(units, uint16(bits>>nbits))
				bits &= 1<<nbits - 1
			}
		}
		out.WriteString(string(utf16.Decode(units)))
		if j < len(b) && b[j] == '-' {
			j++
		}
		i = j - 1
	}
	return out.String()
}
