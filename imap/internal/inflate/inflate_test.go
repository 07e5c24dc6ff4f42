package inflate

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/hex"
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression,
		flate.HuffmanOnly} {
		var src bytes.Buffer
		for i := 0; i < 2000; i++ {
			if rng.Intn(3) == 0 {
				src.WriteString(strings.Repeat("imap fetch body ", rng.Intn(20)))
			} else {
				b := make([]byte, rng.Intn(200))
				rng.Read(b)
				src.Write(b)
			}
		}
		var comp bytes.Buffer
		w, _ := flate.NewWriter(&comp, level)
		data := src.Bytes()
		for len(data) > 0 {
			n := min(len(data), 1+rng.Intn(5000))
			w.Write(data[:n])
			w.Flush()
			data = data[n:]
		}
		w.Close()
		got, err := io.ReadAll(NewReader(bufio.NewReader(&comp)))
		if err != nil || !bytes.Equal(got, src.Bytes()) {
			t.Fatalf("level %d: %v, %d bytes, want %d", level, err, len(got), src.Len())
		}
	}
}

// stallAfter serves data, then blocks as a socket with nothing more would.
type stallAfter struct{ r *bytes.Reader }

func (s *stallAfter) ReadByte() (byte, error) {
	if s.r.Len() == 0 {
		time.Sleep(time.Hour)
	}
	return s.r.ReadByte()
}

// TestPartialFlush reads a command that zlib flushed with Z_PARTIAL_FLUSH
// (an empty fixed block, not byte aligned) without waiting for more input.
func TestPartialFlush(t *testing.T) {
	data, _ := hex.DecodeString("3256f073f4750d0e707476e5e50208")
	z := NewReader(&stallAfter{bytes.NewReader(data)})
	got := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(z).ReadString('\n')
		got <- l
	}()
	select {
	case l := <-got:
		if l != "3 NAMESPACE\r\n" {
			t.Errorf("read %q", l)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reader waited for input after a partial flush")
	}
}

func FuzzInflate(f *testing.F) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, 5)
	w.Write([]byte("a1 NOOP\r\na2 FETCH 1:* (FLAGS)\r\n"))
	w.Close()
	f.Add(b.Bytes())
	d, _ := hex.DecodeString("3256f073f4750d0e707476e5e50208")
	f.Add(d)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = io.Copy(io.Discard, io.LimitReader(NewReader(bytes.NewReader(in)), 1<<20))
	})
}
