package fsblob

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
)

// A compressed blob file holds the content cut into frames of frameSize
// bytes (the last one shorter), each stored as one zstd frame or, when
// that would not be smaller, as is. An index and a trailer follow:
//
//	frame 0 | frame 1 | ... | index | trailer
//	index:   one uint32 per frame: stored length, top bit set if raw
//	trailer: uint64 content size | uint32 frame count | uint32 frame size | "BWZ1"
//
// All integers are big-endian. The index lets a reader start at the
// frame holding any offset.
const (
	frameSize   = 128 << 10
	rawFlag     = 1 << 31
	trailerSize = 20
	magic       = "BWZ1"
)

// errCorrupt reports a compressed blob file that cannot be decoded.
var errCorrupt = errors.New("fsblob: corrupt compressed blob")

// frameWriter cuts what it is given into frames and writes them to w.
type frameWriter struct {
	w     io.Writer
	enc   *zstd.Encoder
	buf   []byte
	out   []byte
	index []uint32
	size  uint64
}

func newFrameWriter(w io.Writer, enc *zstd.Encoder) *frameWriter {
	return &frameWriter{w: w, enc: enc, buf: make([]byte, 0, frameSize)}
}

func (fw *frameWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		c := copy(fw.buf[len(fw.buf):frameSize], p)
		fw.buf = fw.buf[:len(fw.buf)+c]
		p = p[c:]
		if len(fw.buf) == frameSize {
			if err := fw.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (fw *frameWriter) flush() error {
	if len(fw.buf) == 0 {
		return nil
	}
	fw.out = fw.enc.EncodeAll(fw.buf, fw.out[:0])
	stored, entry := fw.out, uint32(len(fw.out))
	if len(fw.out) >= len(fw.buf) {
		stored, entry = fw.buf, uint32(len(fw.buf))|rawFlag
	}
	if _, err := fw.w.Write(stored); err != nil {
		return err
	}
	fw.index = append(fw.index, entry)
	fw.size += uint64(len(fw.buf))
	fw.buf = fw.buf[:0]
	return nil
}

// Close writes the last frame, the index and the trailer.
func (fw *frameWriter) Close() error {
	if err := fw.flush(); err != nil {
		return err
	}
	tail := make([]byte, 0, 4*len(fw.index)+trailerSize)
	for _, e := range fw.index {
		tail = binary.BigEndian.AppendUint32(tail, e)
	}
	tail = binary.BigEndian.AppendUint64(tail, fw.size)
	tail = binary.BigEndian.AppendUint32(tail, uint32(len(fw.index)))
	tail = binary.BigEndian.AppendUint32(tail, frameSize)
	tail = append(tail, magic...)
	_, err := fw.w.Write(tail)
	return err
}

// layout is the decoded index of a compressed blob file.
type layout struct {
	size    int64
	frame   int64   // uncompressed frame size
	offsets []int64 // file offset of each frame, plus the index's offset
	raw     []bool
}

func readTrailer(f *os.File) (size int64, count, frame uint32, fileSize int64, err error) {
	info, err := f.Stat()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	fileSize = info.Size()
	if fileSize < trailerSize {
		return 0, 0, 0, 0, errCorrupt
	}
	var t [trailerSize]byte
	if _, err := f.ReadAt(t[:], fileSize-trailerSize); err != nil {
		return 0, 0, 0, 0, err
	}
	if string(t[16:]) != magic {
		return 0, 0, 0, 0, errCorrupt
	}
	size = int64(binary.BigEndian.Uint64(t[:8]))
	count = binary.BigEndian.Uint32(t[8:12])
	frame = binary.BigEndian.Uint32(t[12:16])
	if frame == 0 || size < 0 || int64(count) != (size+int64(frame)-1)/int64(frame) {
		return 0, 0, 0, 0, errCorrupt
	}
	return size, count, frame, fileSize, nil
}

func compressedSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size, _, _, _, err := readTrailer(f)
	return size, err
}

func readLayout(f *os.File) (*layout, error) {
	size, count, frame, fileSize, err := readTrailer(f)
	if err != nil {
		return nil, err
	}
	indexAt := fileSize - trailerSize - 4*int64(count)
	if indexAt < 0 {
		return nil, errCorrupt
	}
	idx := make([]byte, 4*count)
	if _, err := f.ReadAt(idx, indexAt); err != nil {
		return nil, err
	}
	l := &layout{size: size, frame: int64(frame), offsets: make([]int64, count+1),
		raw: make([]bool, count)}
	var off int64
	for i := range count {
		e := binary.BigEndian.Uint32(idx[4*i:])
		l.offsets[i], l.raw[i] = off, e&rawFlag != 0
		off += int64(e &^ rawFlag)
	}
	l.offsets[count] = off
	if off != indexAt {
		return nil, errCorrupt
	}
	return l, nil
}

// frameReader reads a range of a compressed blob, one frame at a time.
type frameReader struct {
	f      *os.File
	dec    *zstd.Decoder
	l      *layout
	next   int    // next frame to decode
	skip   int64  // bytes to drop from the next decoded frame
	remain int64  // bytes of the range still to return
	cur    []byte // decoded bytes not yet returned
	in     []byte
	out    []byte
}

func newFrameReader(f *os.File, dec *zstd.Decoder, offset, length int64) (*frameReader, error) {
	l, err := readLayout(f)
	if err != nil {
		return nil, err
	}
	offset = min(offset, l.size)
	if length < 0 || offset+length > l.size {
		length = l.size - offset
	}
	return &frameReader{f: f, dec: dec, l: l, next: int(offset / l.frame),
		skip: offset % l.frame, remain: length}, nil
}

func (r *frameReader) Read(p []byte) (int, error) {
	if r.remain == 0 {
		return 0, io.EOF
	}
	if len(r.cur) == 0 {
		if err := r.decode(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur[:min(int64(len(r.cur)), r.remain)])
	r.cur = r.cur[n:]
	r.remain -= int64(n)
	return n, nil
}

// decode loads the next frame into r.cur.
func (r *frameReader) decode() error {
	i := r.next
	if i >= len(r.l.raw) {
		return fmt.Errorf("%w: frame %d missing", errCorrupt, i)
	}
	stored := r.l.offsets[i+1] - r.l.offsets[i]
	if stored > 2*r.l.frame+1024 {
		return errCorrupt
	}
	r.in = grow(r.in, int(stored))
	if _, err := r.f.ReadAt(r.in, r.l.offsets[i]); err != nil {
		return err
	}
	if r.l.raw[i] {
		r.cur = r.in
	} else {
		out, err := r.dec.DecodeAll(r.in, grow(r.out, int(r.l.frame))[:0])
		if err != nil {
			return fmt.Errorf("%w: %w", errCorrupt, err)
		}
		r.out, r.cur = out, out
	}
	r.next++
	skip := min(r.skip, int64(len(r.cur)))
	r.cur, r.skip = r.cur[skip:], 0
	if len(r.cur) == 0 && r.remain > 0 {
		return errCorrupt
	}
	return nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func (r *frameReader) Close() error { return r.f.Close() }
