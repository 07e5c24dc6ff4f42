package sieve

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/memory"
)

func TestTrackerVacation(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	tr := NewTracker(memory.New(), TrackerOptions{Now: func() time.Time { return now }})
	steps := []struct {
		name          string
		acct, sender  string
		handle        string
		period, after time.Duration
		want          bool
	}{
		{"first", "a", "x@example.com", "h", 24 * time.Hour, 0, true},
		{"again", "a", "X@Example.com", "h", 24 * time.Hour, time.Hour, false},
		{"other handle", "a", "x@example.com", "h2", 24 * time.Hour, 0, true},
		{"other account", "b", "x@example.com", "h", 24 * time.Hour, 0, true},
		{"zero period", "a", "x@example.com", "h", 0, 0, true},
		{"expired", "a", "x@example.com", "h", 24 * time.Hour, 24 * time.Hour, true},
	}
	for _, s := range steps {
		now = now.Add(s.after)
		got, err := tr.ShouldReply(ctx, s.acct, s.sender, s.handle, s.period)
		if err != nil || got != s.want {
			t.Errorf("%s: ShouldReply = %v, %v, want %v", s.name, got, err, s.want)
		}
	}
	if err := tr.ForgetReply(ctx, "a", "x@example.com", "h"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := tr.ShouldReply(ctx, "a", "x@example.com", "h", time.Hour); !ok {
		t.Error("ShouldReply after ForgetReply = false")
	}
	now = now.Add(100 * 24 * time.Hour)
	if n, err := tr.Purge(ctx); err != nil || n != 3 {
		t.Errorf("Purge = %d, %v, want 3", n, err)
	}
}

func TestTrackerDuplicates(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	tr := NewTracker(memory.New(), TrackerOptions{Now: func() time.Time { return now }})
	a, b := tr.Duplicates("a"), tr.Duplicates("b")
	a.Record(ctx, "id1", time.Hour)
	if !a.Seen(ctx, "id1") || b.Seen(ctx, "id1") || a.Seen(ctx, "id2") {
		t.Error("duplicate records are not per account and key")
	}
	now = now.Add(2 * time.Hour)
	if a.Seen(ctx, "id1") {
		t.Error("expired record still seen")
	}
}

func TestStreamMessage(t *testing.T) {
	raw := "Subject: hi\r\nX-A: 1\r\n continued\r\n\r\nbody\r\n"
	open := func() io.Reader { return strings.NewReader(raw) }
	for _, tc := range []struct {
		max    int
		fields int
		body   string
	}{{0, 2, "body\r\n"}, {15, 1, "X-A: 1\r\n continued\r\n\r\nbody\r\n"}} {
		m, err := NewStreamMessage(open, int64(len(raw)), tc.max)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Body()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		if len(m.Header()) != tc.fields || string(b) != tc.body || m.Size() != int64(len(raw)) {
			t.Errorf("max %d: header %q, body %q", tc.max, m.Header(), b)
		}
	}
}

// FuzzStreamMessage checks that the header and body of a streamed
// message always split the source at one offset, whatever the header
// limit.
func FuzzStreamMessage(f *testing.F) {
	f.Add("Subject: hi\r\nX-A: 1\r\n continued\r\n\r\nbody\r\n", 0)
	f.Add("no header line\r\n\r\nbody", 8)
	f.Add("A: b\nC: d\n\nbody\n", 5)
	f.Add("", 1)
	n := 0
	filepath.WalkDir("../../shared/testdata/messages", func(p string, d os.DirEntry,
		err error) error {
		if err != nil || d.IsDir() || n >= 40 || !strings.HasSuffix(p, ".msg") &&
			!strings.HasSuffix(p, ".eml") {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(string(b), n*50)
			n++
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, raw string, max int) {
		if max < 0 || max > 1<<20 {
			max = 0
		}
		m, err := NewStreamMessage(func() io.Reader { return strings.NewReader(raw) },
			int64(len(raw)), max)
		if err != nil {
			t.Fatal(err)
		}
		if m.HeaderSize() < 0 || m.HeaderSize() > int64(len(raw)) {
			t.Fatalf("HeaderSize %d outside the message", m.HeaderSize())
		}
		r, err := m.Body()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		if string(b) != raw[m.HeaderSize():] {
			t.Fatalf("body %q is not the source after the header", b)
		}
	})
}
