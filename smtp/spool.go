package smtp

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spool holds one message as it arrives: in memory up to a bound, then
// in a temporary file, so a large message is never held in memory. Bytes
// past the size limit are counted and dropped.
type spool struct {
	dir    string
	memMax int
	max    int64

	buf  []byte
	file *os.File
	size int64 // bytes written, including dropped ones
}

func newSpool(dir string, memMax int, max int64) *spool {
	return &spool{dir: dir, memMax: memMax, max: max}
}

// Write implements io.Writer. It fails only when the temporary file does.
func (s *spool) Write(p []byte) (int, error) {
	n := len(p)
	if room := s.max - s.size; room < int64(len(p)) {
		p = p[:max(room, 0)]
	}
	s.size += int64(n - len(p))
	if len(p) == 0 {
		return n, nil
	}
	if s.file == nil && len(s.buf)+len(p) > s.memMax {
		if err := s.spill(); err != nil {
			return 0, err
		}
	}
	if s.file != nil {
		if _, err := s.file.Write(p); err != nil {
			return 0, fmt.Errorf("write spool: %w", err)
		}
	} else {
		s.buf = append(s.buf, p...)
	}
	s.size += int64(len(p))
	return n, nil
}

// spill moves the buffered bytes to a new temporary file.
func (s *spool) spill() error {
	f, err := os.CreateTemp(s.dir, "bulwark-smtp-*")
	if err != nil {
		return fmt.Errorf("create spool: %w", err)
	}
	if _, err := f.Write(s.buf); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write spool: %w", err)
	}
	s.file, s.buf = f, nil
	return nil
}

// overflow reports whether more than max bytes were written.
func (s *spool) overflow() bool { return s.size > s.max }

// stored returns the number of bytes kept.
func (s *spool) stored() int64 { return min(s.size, s.max) }

// readerAt returns the kept bytes for reading.
func (s *spool) readerAt() io.ReaderAt {
	if s.file != nil {
		return s.file
	}
	return bytes.NewReader(s.buf)
}

// Close drops the message and removes its file.
func (s *spool) Close() error {
	s.buf = nil
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	s.file = nil
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}
