package mailauth

import (
	"bufio"
	"errors"
	"fmt"
	"hash"
	"io"
)

var crlfBytes = []byte("\r\n")

// bodyCanon canonicalizes a body line by line into a hash
// (RFC 6376, sections 3.4.3 and 3.4.4), honouring an l= length.
type bodyCanon struct {
	relaxed    bool
	h          hash.Hash
	limit      int64 // -1 for none
	n          int64 // canonical octets produced (hashed or not)
	emptyLines int   // empty lines held back until content follows
	content    bool  // the current line has produced content
	space      bool  // relaxed: whitespace pending in the current line
}

func newBodyCanon(relaxed bool, h hash.Hash, limit int64) *bodyCanon {
	return &bodyCanon{relaxed: relaxed, h: h, limit: limit}
}

func (c *bodyCanon) emit(p []byte) {
	c.n += int64(len(p))
	if c.limit >= 0 {
		room := c.limit - (c.n - int64(len(p)))
		if room <= 0 {
			return
		}
		if int64(len(p)) > room {
			p = p[:room]
		}
	}
	c.h.Write(p)
}

// startContent writes the empty lines held back before content.
func (c *bodyCanon) startContent() {
	if c.content {
		return
	}
	for ; c.emptyLines > 0; c.emptyLines-- {
		c.emit(crlfBytes)
	}
	c.content = true
}

// write takes a piece of a line, without its line end.
func (c *bodyCanon) write(p []byte) {
	if !c.relaxed {
		if len(p) > 0 {
			c.startContent()
			c.emit(p)
		}
		return
	}
	start := 0
	for i, b := range p {
		if b != ' ' && b != '\t' {
			continue
		}
		if start < i {
			c.flushSpace()
			c.emit(p[start:i])
		}
		c.space = true
		start = i + 1
	}
	if start < len(p) {
		c.flushSpace()
		c.emit(p[start:])
	}
}

func (c *bodyCanon) flushSpace() {
	c.startContent()
	if c.space {
		c.emit([]byte{' '})
		c.space = false
	}
}

// endLine ends the current line.
func (c *bodyCanon) endLine() {
	if c.content {
		c.emit(crlfBytes)
	} else {
		c.emptyLines++
	}
	c.content, c.space = false, false
}

// finish ends the body: an empty body is a single CRLF under simple
// canonicalization and nothing under relaxed.
func (c *bodyCanon) finish() {
	if c.content || c.space {
		c.endLine()
	}
	if !c.relaxed && c.n == 0 {
		c.emit(crlfBytes)
	}
}

// hashBody reads a body and feeds every line to each canonicalizer.
func hashBody(br *bufio.Reader, canons []*bodyCanon) error {
	for {
		line, err := br.ReadSlice('\n')
		full := err == nil
		if full {
			line = line[:len(line)-1]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
		} else if n := len(line); n > 0 && line[n-1] == '\r' && errors.Is(err,
			bufio.ErrBufferFull) {
			// A CR at the end of a buffer may start a CRLF: keep it back.
			line = line[:n-1]
			br.UnreadByte()
		}
		for _, c := range canons {
			c.write(line)
			if full {
				c.endLine()
			}
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			for _, c := range canons {
				c.finish()
			}
			return nil
		default:
			return fmt.Errorf("read body: %w", err)
		}
	}
}
