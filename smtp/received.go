package smtp

import (
	"crypto/tls"
	"strings"
)

// headerScan watches the header section of a message as it streams and
// counts its Received fields, for loop detection (RFC 5321, section 6.3).
type headerScan struct {
	done     bool
	midLine  bool
	empty    bool // the current line holds nothing but CR so far
	match    int  // bytes of "received:" matched at the line's start
	received int
}

const receivedPrefix = "received:"

// Write implements io.Writer; it never fails.
func (h *headerScan) Write(p []byte) (int, error) {
	for _, b := range p {
		if h.done {
			break
		}
		h.scan(b)
	}
	return len(p), nil
}

func (h *headerScan) scan(b byte) {
	if !h.midLine {
		h.midLine, h.empty, h.match = true, true, 0
	}
	if b == '\n' {
		if h.empty {
			h.done = true
		}
		h.midLine = false
		return
	}
	if b != '\r' {
		h.empty = false
	}
	if h.match < 0 || h.match >= len(receivedPrefix) {
		return
	}
	if lowerASCII(b) == receivedPrefix[h.match] {
		h.match++
		if h.match == len(receivedPrefix) {
			h.received++
		}
		return
	}
	h.match = -1
}

func tlsVersionName(v uint16) string {
	return strings.ReplaceAll(tls.VersionName(v), " ", "")
}

func tlsCipherName(id uint16) string {
	return tls.CipherSuiteName(id)
}

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
