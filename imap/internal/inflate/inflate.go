// Package inflate decodes a raw DEFLATE stream (RFC 1951) for IMAP
// COMPRESS=DEFLATE (RFC 4978). Unlike compress/flate it hands out what it
// has decoded at the end of every block and never reads past the bits it
// needs, so a peer that flushes with an empty fixed block (zlib's
// Z_PARTIAL_FLUSH, as mbsync does) is understood at once.
package inflate

import (
	"errors"
	"io"
)

// ErrCorrupt is returned for a stream that breaks RFC 1951.
var ErrCorrupt = errors.New("inflate: corrupt deflate stream")

const (
	windowSize = 1 << 15
	maxOut     = 32 << 10 // output handed out before decoding goes on
)

// huffman is a canonical Huffman code: count[l] codes of length l, and
// the symbols ordered by code.
type huffman struct {
	count  [16]uint16
	symbol []uint16
}

// build makes the code for the given code lengths.
func (h *huffman) build(lengths []uint8) error {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	h.count[0] = 0
	var offs [16]uint16
	left := 1
	for l := 1; l < 16; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return ErrCorrupt
		}
		offs[l] = offs[l-1] + h.count[l-1]
	}
	h.symbol = make([]uint16, len(lengths))
	for sym, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	return nil
}

// Reader decodes a raw DEFLATE stream read from an io.ByteReader.
type Reader struct {
	src   io.ByteReader
	bits  uint32
	nbits uint

	window [windowSize]byte
	wpos   int
	filled bool

	out []byte
	err error

	inBlock bool
	final   bool
	stored  int // octets left in a stored block, -1 for a Huffman block
	lit     *huffman
	dist    *huffman
	fixLit  *huffman
	fixDist *huffman
}

// NewReader returns a Reader over src.
func NewReader(src io.ByteReader) *Reader { return &Reader{src: src} }

// Read hands out decoded octets; it blocks for input only when it has
// none to give.
func (z *Reader) Read(p []byte) (int, error) {
	for len(z.out) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		z.out = z.out[:0]
		if err := z.step(); err != nil {
			z.err = err
		}
	}
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

func (z *Reader) need(n uint) error {
	for z.nbits < n {
		b, err := z.src.ReadByte()
		if err != nil {
			if err == io.EOF && z.nbits > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		z.bits |= uint32(b) << z.nbits
		z.nbits += 8
	}
	return nil
}

func (z *Reader) take(n uint) (uint32, error) {
	if err := z.need(n); err != nil {
		return 0, err
	}
	v := z.bits & (1<<n - 1)
	z.bits >>= n
	z.nbits -= n
	return v, nil
}

// decode reads one symbol, bit by bit (RFC 1951 section 3.1.1: codes are
// packed starting with their most significant bit).
func (z *Reader) decode(h *huffman) (int, error) {
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		b, err := z.take(1)
		if err != nil {
			return 0, err
		}
		code |= int(b)
		count := int(h.count[l])
		if code-count < first {
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, ErrCorrupt
}

func (z *Reader) emit(b byte) {
	z.out = append(z.out, b)
	z.window[z.wpos] = b
	z.wpos++
	if z.wpos == windowSize {
		z.wpos, z.filled = 0, true
	}
}

// step decodes until a block ends or maxOut octets are ready.
func (z *Reader) step() error {
	if !z.inBlock {
		if z.final {
			return io.EOF
		}
		if err := z.header(); err != nil {
			return err
		}
	}
	if z.stored >= 0 {
		return z.copyStored()
	}
	return z.huffmanBlock()
}

// header reads a block header (RFC 1951 section 3.2.3).
func (z *Reader) header() error {
	hdr, err := z.take(3)
	if err != nil {
		return err
	}
	z.final = hdr&1 == 1
	z.inBlock = true
	switch hdr >> 1 {
	case 0:
		z.bits, z.nbits = 0, 0 // stored blocks start on a byte boundary
		v, err := z.take(32)
		if err != nil {
			return err
		}
		if uint16(v) != ^uint16(v>>16) {
			return ErrCorrupt
		}
		z.stored = int(uint16(v))
	case 1:
		z.stored = -1
		z.lit, z.dist = z.fixed()
	case 2:
		z.stored = -1
		return z.dynamic()
	default:
		return ErrCorrupt
	}
	return nil
}

func (z *Reader) copyStored() error {
	for z.stored > 0 && len(z.out) < maxOut {
		b, err := z.src.ReadByte()
		if err != nil {
			return io.ErrUnexpectedEOF
		}
		z.emit(b)
		z.stored--
	}
	if z.stored == 0 {
		z.inBlock = false
	}
	return nil
}
