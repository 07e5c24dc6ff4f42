package msgparse

import (
	"strings"
	"testing"
	"time"
)

// TestHostileFieldsLinear feeds header values built to make a careless
// parser quadratic; each must be read quickly at the header size cap.
func TestHostileFieldsLinear(t *testing.T) {
	const n = DefaultMaxHeaderBytes
	tests := []struct {
		name, value string
	}{
		{"stray encoded-word openers", strings.Repeat("=?", n/2)},
		{"unfinished encoded words", strings.Repeat("=?utf-8?q?", n/10)},
		{"white space runs", "a/b" + strings.Repeat(" ", n)},
		{"white space and tokens", strings.Repeat(" x", n/2)},
		{"reply leaders", strings.Repeat("re:", n/3)},
		{"forward wrappers", strings.Repeat("[fwd:", n/5) + strings.Repeat("]", n/5)},
		{"blobs", strings.Repeat("[x]", n/3) + "s"},
		{"comments", strings.Repeat("(", n)},
		{"quotes", strings.Repeat(`"`, n)},
		{"angles", strings.Repeat("<", n)},
		{"addresses", strings.Repeat("a@b,", n/4)},
		{"semicolons", strings.Repeat(";", n)},
		{"continuations", "x*0=" + strings.Repeat("; x*1=a", n/8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ParseAddressList(tt.value)
			ParseDate(tt.value)
			ParseMessageIDs(tt.value)
			parseParamValue(tt.value)
			BaseSubject(DecodeHeader(tt.value))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("reading a %d-byte field took %v", len(tt.value), d)
			}
		})
	}
}

// TestHostileStructure parses messages shaped to multiply work: many
// boundaries checked per line, many fields, many tiny parts.
func TestHostileStructure(t *testing.T) {
	var deep strings.Builder
	for i := 0; i < DefaultMaxDepth; i++ {
		deep.WriteString("Content-Type: multipart/mixed; boundary=" +
			strings.Repeat("b", i+1) + "x\n\n--" + strings.Repeat("b", i+1) + "x\n")
	}
	deep.WriteString(strings.Repeat("line\n", 20000))
	tests := []struct{ name, raw string }{
		{"deep with long body", deep.String()},
		{"many fields", strings.Repeat("To: a@b\nX-Y: z\n", 50000) + "\nbody"},
		{"many parts", "Content-Type: multipart/mixed; boundary=a\n\n" +
			strings.Repeat("--a\n\n", 50000)},
		{"long line", "Subject: x\n\n" + strings.Repeat("y", 1<<20)},
		{"long header line", "Subject: " + strings.Repeat("=?", 1<<19) + "\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			m := mustParse(t, tt.raw)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("parsing %d bytes took %v", len(tt.raw), d)
			}
			if m.Size != int64(len(tt.raw)) {
				t.Errorf("Size = %d, want %d", m.Size, len(tt.raw))
			}
		})
	}
}
