package msgparse

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// nested builds a message nested depth levels deep, alternating multiparts
// and encapsulated messages.
func nested(depth int) string {
	var sb strings.Builder
	for i := 0; i < depth; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		} else {
			sb.WriteString("Content-Type: message/rfc822\n\n")
		}
	}
	sb.WriteString("Content-Type: text/plain\n\ndeep\n")
	for i := depth - 1; i >= 0; i-- {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "--b%d--\n", i)
		}
	}
	return sb.String()
}

func depthOf(p *Part) int {
	d := 0
	for _, c := range p.Children {
		d = max(d, 1+depthOf(c))
	}
	if p.Message != nil {
		d = max(d, 1+depthOf(p.Message.Root))
	}
	return d
}

func TestMaxDepth(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		depth     int
		wantDepth int
		defect    bool
	}{
		{"under the default", Options{}, 50, 50, false},
		{"over the default", Options{}, 150, DefaultMaxDepth, true},
		{"at a set limit", Options{MaxDepth: 10}, 10, 10, false},
		{"over a set limit", Options{MaxDepth: 10}, 11, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := nested(tt.depth)
			m, err := ParseOptions(strings.NewReader(raw), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tt.name, m, []byte(raw))
			if got := depthOf(m.Root); got != tt.wantDepth {
				t.Errorf("depth = %d, want %d", got, tt.wantDepth)
			}
			if slices.Contains(m.Defects, DefectTooDeep) != tt.defect {
				t.Errorf("Defects = %v, want too-deep %v", m.Defects, tt.defect)
			}
		})
	}
}

func TestMaxParts(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&sb, "--b\n\npart %d\n", i)
	}
	sb.WriteString("--b--\n")
	raw := sb.String()
	for _, limit := range []int{10, 31, 100} {
		m, err := ParseOptions(strings.NewReader(raw), Options{MaxParts: limit})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, "parts", m, []byte(raw))
		want := min(30, limit-1) // the root counts as a part
		if len(m.Root.Children) != want {
			t.Errorf("MaxParts %d: %d parts, want %d", limit, len(m.Root.Children), want)
		}
		if over := limit <= 30; slices.Contains(m.Defects, DefectTooManyParts) != over {
			t.Errorf("MaxParts %d: Defects = %v", limit, m.Defects)
		}
	}
}

func TestMaxTextBytes(t *testing.T) {
	body := strings.Repeat("abcdefghij", 100) // 1000 bytes
	raw := "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n" + body + "\n--b\n\n" +
		body + "\n--b--\n"
	tests := []struct {
		opts      Options
		first     int
		second    int
		truncated bool
	}{
		{Options{}, 1000, 1000, false},
		{Options{MaxTextBytes: 999}, 999, 999, true},
		{Options{MaxTextBytes: 1000}, 1000, 1000, false},
		{Options{MaxTotalTextBytes: 1500}, 1000, 500, true},
		{Options{MaxTotalTextBytes: 1000}, 1000, 0, true},
	}
	for _, tt := range tests {
		m, err := ParseOptions(strings.NewReader(raw), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		a, b := m.Root.Children[0], m.Root.Children[1]
		if len(a.Text) != tt.first || len(b.Text) != tt.second {
			t.Errorf("%+v: text lengths %d, %d, want %d, %d", tt.opts, len(a.Text),
				len(b.Text), tt.first, tt.second)
		}
		if b.TextTruncated != tt.truncated {
			t.Errorf("%+v: TextTruncated = %v, want %v", tt.opts, b.TextTruncated, tt.truncated)
		}
	}
}

func TestMaxHeaderBytes(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	raw := "Subject: " + long + "\nTo: a@b.c\n\nbody"
	tests := []struct {
		opts Options
		want int
	}{
		{Options{}, DefaultMaxHeaderBytes - 1},
		{Options{MaxHeaderBytes: 100}, 99},
		{Options{MaxHeaderBytes: 200 << 10}, len(long)},
	}
	for _, tt := range tests {
		m, err := ParseOptions(strings.NewReader(raw), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Subject) != tt.want {
			t.Errorf("%+v: subject length %d, want %d", tt.opts, len(m.Subject), tt.want)
		}
		if len(m.To) != 1 || string(bodyOf(raw, m.Root)) != "body" {
			t.Errorf("%+v: the fields after the long one were lost", tt.opts)
		}
		if over := tt.want < len(long); slices.Contains(m.Defects, DefectHeaderTooLong) != over {
			t.Errorf("%+v: Defects = %v", tt.opts, m.Defects)
		}
	}
}

func TestPreviewLength(t *testing.T) {
	raw := "Subject: p\n\n" + strings.Repeat("word  \t\n ", 200)
	for _, n := range []int{0, 10, 256, 5000} {
		m, err := ParseOptions(strings.NewReader(raw), Options{PreviewLength: n})
		if err != nil {
			t.Fatal(err)
		}
		want := n
		if n == 0 {
			want = DefaultPreviewLength
		}
		want = min(want, 200*5-1)
		// A space that would end the preview is left out.
		if got := utf8.RuneCountInString(m.Preview); got != want && got != want-1 {
			t.Errorf("PreviewLength %d: preview has %d characters, want %d", n, got, want)
		}
		if strings.Contains(m.Preview, "  ") || strings.HasSuffix(m.Preview, " ") {
			t.Errorf("PreviewLength %d: white space not collapsed: %q", n, m.Preview)
		}
	}
}

// TestLargeMessageBoundedMemory parses a 50 MB message and checks that the
// memory allocated stays far below the message size.
func TestLargeMessageBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large message")
	}
	const size = 50 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Parse(largeMessage(size))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if m.Size < size-100 || len(m.Root.Children) != 2 {
		t.Fatalf("Size = %d, parts = %d", m.Size, len(m.Root.Children))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("parsing 50 MB allocated %d bytes, want under 4 MB", alloc)
	}
}

// TestLargeTextBounded checks the per-part text cap on a large text body.
func TestLargeTextBounded(t *testing.T) {
	raw := "Content-Type: text/plain\n\n" + strings.Repeat("0123456789abcdef\n", 200000)
	m, err := Parse(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Root.Text) != DefaultMaxTextBytes || !m.Root.TextTruncated {
		t.Errorf("text %d bytes, truncated %v; want %d, true", len(m.Root.Text),
			m.Root.TextTruncated, DefaultMaxTextBytes)
	}
	if m.Root.Lines != 200000 {
		t.Errorf("Lines = %d, want 200000", m.Root.Lines)
	}
}

// errReader fails after its data.
type errReader struct{ data string }

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errBroken
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

var errBroken = errors.New("connection reset")

func TestReadError(t *testing.T) {
	m, err := Parse(&errReader{data: "Subject: cut\n\npartial bo"})
	if !errors.Is(err, errBroken) {
		t.Fatalf("Parse = %v, want the read error", err)
	}
	if m == nil || m.Subject != "cut" || m.Size != 24 {
		t.Errorf("partial message = %+v", m)
	}
}
