package msgparse

import (
	"bufio"
	"errors"
	"io"
)

// lineBufSize is the longest line prefix seen as one chunk; longer lines
// arrive in pieces (a delimiter longer than this is joined up again by
// completeLine).
const lineBufSize = 4 << 10

// lineReader reads a message as line chunks while tracking the offset, the
// number of line feeds and whether the last complete line was blank.
type lineReader struct {
	br  *bufio.Reader
	off int64 // offset of the next unread byte
	lf  int64 // line feeds consumed
	err error // first read error other than io.EOF

	midLine   bool // the previous chunk did not end its line
	lastBlank bool // the last line consumed was only a line break
	lastTerm  int64
	// pending is a line handed back with unread.
	pending     []byte
	havePending bool
	pendMid     bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, lineBufSize)}
}

// chunk is one piece of a line.
type chunk struct {
	data  []byte // valid until the next call to next
	start int64  // offset of data[0]
	bol   bool   // data begins a line
}

// next returns the next chunk, or ok false at the end of input. A chunk
// ends with '\n' unless the line was longer than the buffer or the input
// ended without a line break.
func (lr *lineReader) next() (c chunk, ok bool) {
	if lr.havePending {
		lr.havePending = false
		c = chunk{data: lr.pending, start: lr.off, bol: !lr.pendMid}
		lr.consume(c.data)
		return c, true
	}
	if lr.err != nil {
		return chunk{}, false
	}
	data, err := lr.br.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		if !errors.Is(err, io.EOF) {
			lr.err = err
		}
		if len(data) == 0 {
			if lr.err == nil {
				lr.err = io.EOF
			}
			return chunk{}, false
		}
	}
	c = chunk{data: data, start: lr.off, bol: !lr.midLine}
	lr.consume(data)
	return c, true
}

// consume advances the counters past data.
func (lr *lineReader) consume(data []byte) {
	bol := !lr.midLine
	lr.off += int64(len(data))
	if n := len(data); n > 0 && data[n-1] == '\n' {
		lr.lf++
		lr.midLine = false
		lr.lastBlank = bol && (n == 1 || (n == 2 && data[0] == '\r'))
		lr.lastTerm = lr.off - 1
		if n >= 2 && data[n-2] == '\r' {
			lr.lastTerm--
		}
	} else {
		lr.midLine = true
		lr.lastBlank = false
	}
}

// unread hands back the chunk c, which must be the last one returned; its
// data are copied. Counters are restored from the saved state.
func (lr *lineReader) unread(c chunk, saved lineState) {
	lr.pending = append(lr.pending[:0], c.data...)
	lr.havePending = true
	lr.pendMid = !c.bol
	lr.restore(saved)
}

// lineState is the counters' state, saved before reading a chunk that may
// be handed back.
type lineState struct {
	off, lf, lastTerm  int64
	midLine, lastBlank bool
}

func (lr *lineReader) save() lineState {
	return lineState{lr.off, lr.lf, lr.lastTerm, lr.midLine, lr.lastBlank}
}

func (lr *lineReader) restore(s lineState) {
	lr.off, lr.lf, lr.lastTerm = s.off, s.lf, s.lastTerm
	lr.midLine, lr.lastBlank = s.midLine, s.lastBlank
}

// ioErr returns the read error that stopped input, nil at a clean end.
func (lr *lineReader) ioErr() error {
	if errors.Is(lr.err, io.EOF) {
		return nil
	}
	return lr.err
}
