package fsblob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

func mail(n int) []byte {
	return []byte(strings.Repeat("Received: from a.example by b.example; text\r\n", n))
}

// TestMixed checks that blobs written with and without compression are
// read alike, and that compression really shrinks text.
func TestMixed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plain, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hPlain, _, err := plain.Put(ctx, bytes.NewReader(mail(1000)))
	if err != nil {
		t.Fatal(err)
	}
	plain.Close()
	comp, err := Open(dir, Options{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	defer comp.Close()
	data := mail(5000)
	hComp, _, err := comp.Put(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(comp.path(hPlain)); err != nil {
		t.Errorf("plain blob not at its shard path: %v", err)
	}
	info, err := os.Stat(comp.path(hComp) + zstSuffix)
	if err != nil {
		t.Fatalf("compressed blob not at its shard path: %v", err)
	}
	if info.Size()*5 > int64(len(data)) {
		t.Errorf("compressed file is %d bytes for %d bytes of text", info.Size(), len(data))
	}
	for h, want := range map[store.Hash][]byte{hPlain: mail(1000), hComp: data} {
		rc, err := comp.Open(ctx, h, 10, 200000)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want[10:min(len(want), 200010)]) {
			t.Errorf("Open(%v, 10, 200000) = %d bytes, %v", h, len(got), err)
		}
	}
}

// TestCorrupt checks that a damaged compressed file gives an error.
func TestCorrupt(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, _, err := s.Put(ctx, bytes.NewReader(mail(10000)))
	if err != nil {
		t.Fatal(err)
	}
	p := s.path(h) + zstSuffix
	raw, _ := os.ReadFile(p)
	tests := map[string][]byte{
		"truncated":   raw[:len(raw)-3],
		"short":       raw[:5],
		"frame bytes": slices.Concat(raw[:50], make([]byte, 100), raw[150:]),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			rc, err := s.Open(ctx, h, 0, -1)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if err == nil {
				t.Errorf("reading a %s compressed blob succeeded", name)
			}
		})
	}
}

// TestStaleTemp checks that Open removes old leftovers of interrupted
// writes and keeps fresh ones.
func TestStaleTemp(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	old := filepath.Join(dir, tmpDir, "put-old")
	fresh := filepath.Join(dir, tmpDir, "put-fresh")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	past := time.Now().Add(-2 * staleTemp)
	os.Chtimes(old, past, past)
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file removed: %v", err)
	}
}

// FuzzFrameReader feeds arbitrary files to the compressed blob reader,
// which must fail cleanly on any of them.
func FuzzFrameReader(f *testing.F) {
	dir := f.TempDir()
	s, err := Open(dir, Options{Compress: true})
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range []int{0, 1, 3000, 8000} {
		h, _, err := s.Put(context.Background(), bytes.NewReader(mail(n)))
		if err != nil {
			f.Fatal(err)
		}
		raw, _ := os.ReadFile(s.path(h) + zstSuffix)
		f.Add(raw, int64(0), int64(-1))
		f.Add(raw, int64(n*10), int64(1000))
	}
	s.Close()
	f.Fuzz(func(t *testing.T, file []byte, off, n int64) {
		p := filepath.Join(t.TempDir(), "blob")
		if err := os.WriteFile(p, file, 0o600); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		dec := s.dec
		r, err := newFrameReader(fh, dec, max(off, 0), n)
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(r, 64<<20))
	})
}
