package store

import (
	"encoding/binary"
	"errors"
)

// Key encoding helpers. They build keys whose byte-wise order is the
// natural order of their parts, so that a scan over a prefix walks, for
// example, one account's mailboxes in name order.

// ErrBadKey is returned when a key part cannot be decoded.
var ErrBadKey = errors.New("store: malformed key")

// AppendUint32 appends v in big-endian form, which sorts numerically.
func AppendUint32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// AppendUint64 appends v in big-endian form, which sorts numerically.
func AppendUint64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// AppendString appends s so that it sorts before any longer string it
// is a prefix of and can be followed by other parts: each 0x00 byte is
// written as 0x00 0xff, and the string ends with 0x00 0x01.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b = append(b, s[i])
		if s[i] == 0 {
			b = append(b, 0xff)
		}
	}
	return append(b, 0, 1)
}

// ReadUint32 decodes a part written by AppendUint32 and returns the rest.
func ReadUint32(b []byte) (uint32, []byte, error) {
	if len(b) < 4 {
		return 0, b, ErrBadKey
	}
	return binary.BigEndian.Uint32(b), b[4:], nil
}

// ReadUint64 decodes a part written by AppendUint64 and returns the rest.
func ReadUint64(b []byte) (uint64, []byte, error) {
	if len(b) < 8 {
		return 0, b, ErrBadKey
	}
	return binary.BigEndian.Uint64(b), b[8:], nil
}

// ReadString decodes a part written by AppendString and returns the
// rest.
func ReadString(b []byte) (string, []byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return "", b, ErrBadKey
		}
		switch b[i+1] {
		case 0xff:
			out = append(out, 0)
			i++
		case 1:
			return string(out), b[i+2:], nil
		default:
			return "", b, ErrBadKey
		}
	}
	return "", b, ErrBadKey
}
