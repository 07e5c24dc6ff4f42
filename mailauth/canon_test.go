package mailauth

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// hashWriter collects what a canonicalizer hashes.
type hashWriter struct{ bytes.Buffer }

func (h *hashWriter) Sum(b []byte) []byte { return append(b, h.Bytes()...) }
func (h *hashWriter) Size() int           { return 0 }
func (h *hashWriter) BlockSize() int      { return 1 }

func canonBody(t *testing.T, body string, relaxed bool, limit int64, bufSize int) string {
	t.Helper()
	h := &hashWriter{}
	c := newBodyCanon(relaxed, h, limit)
	if err := hashBody(bufio.NewReaderSize(strings.NewReader(body), bufSize),
		[]*bodyCanon{c}); err != nil {
		t.Fatal(err)
	}
	return h.String()
}

func TestBodyCanonicalization(t *testing.T) {
	// RFC 6376, section 3.4.6 example body.
	rfcBody := " C \r\nD \t E\r\n\r\n\r\n"
	tests := []struct {
		name, body string
		relaxed    bool
		limit      int64
		want       string
	}{
		{"rfc example simple", rfcBody, false, -1, " C \r\nD \t E\r\n"},
		{"rfc example relaxed", rfcBody, true, -1, " C\r\nD E\r\n"},
		{"empty simple", "", false, -1, "\r\n"},
		{"empty relaxed", "", true, -1, ""},
		{"only empty lines simple", "\r\n\r\n", false, -1, "\r\n"},
		{"only empty lines relaxed", "\r\n\r\n", true, -1, ""},
		{"missing final CRLF", "abc", false, -1, "abc\r\n"},
		{"missing final CRLF relaxed", "a  b \t", true, -1, "a b\r\n"},
		{"bare LF line ends", "a\nb\n\n", false, -1, "a\r\nb\r\n"},
		{"inner empty lines kept", "a\r\n\r\nb\r\n", true, -1, "a\r\n\r\nb\r\n"},
		{"whitespace-only line is empty under relaxed", "a\r\n \t \r\n", true, -1, "a\r\n"},
		{"l= cuts the canonical body", "hello\r\nworld\r\n", false, 7, "hello\r\n"},
		{"l=0", "hello\r\n", true, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{16, 4096} {
				if got := canonBody(t, tc.body, tc.relaxed, tc.limit, size); got != tc.want {
					t.Errorf("buffer %d: canon(%q) = %q, want %q", size, tc.body, got, tc.want)
				}
			}
		})
	}
	t.Run("long lines across buffer ends", func(t *testing.T) {
		line := strings.Repeat("ab  cd\t", 50)
		body := line + "\r\n" + line + "\r" + "\n"
		want := canonBody(t, body, true, -1, 1<<16)
		for size := 16; size < 64; size++ {
			if got := canonBody(t, body, true, -1, size); got != want {
				t.Fatalf("buffer %d differs", size)
			}
		}
	})
}

func TestHeaderCanonicalization(t *testing.T) {
	// RFC 6376, section 3.4.6 example header fields.
	tests := []struct{ in, relaxed string }{
		{"A: X\r\n", "a:X\r\n"},
		{"B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n"},
		{"Subject:   \r\n", "subject:\r\n"},
	}
	for _, tc := range tests {
		if got := string(canonHeaderRelaxed([]byte(tc.in))); got != tc.relaxed {
			t.Errorf("relaxed(%q) = %q, want %q", tc.in, got, tc.relaxed)
		}
	}
}

func TestReadHeader(t *testing.T) {
	msg := "From: a@example.com\nSubject: one\n two\nX-Long: " + strings.Repeat("x", 9000) +
		"\n\nbody\n"
	br := bufio.NewReaderSize(strings.NewReader(msg), 16)
	h, err := readHeader(br, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[1].Value() != "one two" || string(h[1].Raw) != "Subject: one\r\n two\r\n" {
		t.Fatalf("header = %+v", h)
	}
	rest, _ := br.ReadString(0)
	if rest != "body\n" {
		t.Errorf("body = %q", rest)
	}
	if _, err := readHeader(bufioReader(msg), 100); err != ErrHeaderTooLarge {
		t.Errorf("readHeader over the limit = %v, want ErrHeaderTooLarge", err)
	}
	if h, err := readHeader(bufioReader("From: a@b.example"), 100); err != nil || len(h) != 1 {
		t.Errorf("header without a line end = %v, %v", h, err)
	}
}
