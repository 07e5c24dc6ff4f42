package mailauth

import (
	"io"
	"strings"
	"testing"
)

// TestStripForgedKeepsBytes checks that a message with no forged field
// passes through unchanged, however odd its header section, and that a
// forged field is the only thing removed.
func TestStripForgedKeepsBytes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"lf line ends", "Subject: a\nFrom: b@c\n\nbody\n", ""},
		{"no blank line", "Subject: a\r\nnot a field\r\nmore\r\n", ""},
		{"no header", "just text\r\nand more\r\n", ""},
		{"folded", "Subject: a\r\n\tb\r\nFrom:  x@y \r\n\r\nbody", ""},
		{"other host", "Authentication-Results: other.test; spf=pass\r\n\r\nb", ""},
		{"forged", "Authentication-Results: mx.test; dmarc=pass\r\nSubject: s\r\n\r\nb",
			"Subject: s\r\n\r\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n, err := StripForged(strings.NewReader(tt.in), "mx.test", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if string(got) != want {
				t.Errorf("StripForged(%q) = %q, want %q", tt.in, got, want)
			}
			if (n > 0) != (tt.want != "") {
				t.Errorf("StripForged(%q) removed %d fields", tt.in, n)
			}
		})
	}
}
