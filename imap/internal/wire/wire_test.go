package wire

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestParseSeqSet(t *testing.T) {
	tests := []struct {
		in      string
		max     uint32
		want    string
		wantErr bool
	}{
		{"1:3,5", 10, "1:3,5", false},
		{"3:1", 10, "1:3", false},
		{"*", 7, "7", false},
		{"5:*", 7, "5:7", false},
		{"9:*", 7, "7", false},
		{"1,1,2", 7, "1:2", false},
		{"0", 7, "", true},
		{"1:", 7, "", true},
		{"a", 7, "", true},
		{"", 7, "", true},
		{"4294967296", 7, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			set, err := ParseSeqSet(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseSeqSet(%q) err = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil {
				if got := FormatSet(set.Expand(tc.max)); got != tc.want {
					t.Errorf("ParseSeqSet(%q).Expand(%d) = %q, want %q", tc.in, tc.max, got, tc.want)
				}
			}
		})
	}
	if got := FormatSet((SeqSet{Ranges: []Range{{1, 0}}}).SelectUIDs([]uint32{2, 5, 9})); got != "2,5,9" {
		t.Errorf("SelectUIDs = %q", got)
	}
}

func TestMUTF7(t *testing.T) {
	tests := []struct{ utf8, mutf7 string }{
		{"INBOX", "INBOX"},
		{"Tom&Jerry", "Tom&-Jerry"},
		{"Café", "Caf&AOk-"},
		{"日本語", "&ZeVnLIqe-"},
		{"a&b&c", "a&-b&-c"},
	}
	for _, tc := range tests {
		if got := EncodeMUTF7(tc.utf8); got != tc.mutf7 {
			t.Errorf("EncodeMUTF7(%q) = %q, want %q", tc.utf8, got, tc.mutf7)
		}
		if got, err := DecodeMUTF7(tc.mutf7); err != nil || got != tc.utf8 {
			t.Errorf("DecodeMUTF7(%q) = %q, %v, want %q", tc.mutf7, got, err, tc.utf8)
		}
	}
	for _, bad := range []string{"Bad&name", "&AGE-", "&Jjo!", "caf\xc3\xa9"} {
		if _, err := DecodeMUTF7(bad); err == nil {
			t.Errorf("DecodeMUTF7(%q) succeeded, want error", bad)
		}
	}
}

func TestDecoderLiterals(t *testing.T) {
	in := "{5}\r\nhello {3+}\r\nabc \"q\\\"x\" atom\r\n"
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)))
	conts := 0
	d.Continue = func(LiteralInfo) error { conts++; return nil }
	var got []string
	for i := 0; i < 4; i++ {
		s, err := d.AString()
		if err != nil {
			t.Fatalf("AString %d: %v", i, err)
		}
		got = append(got, s)
		if i < 3 {
			if err := d.SP(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if strings.Join(got, "|") != `hello|abc|q"x|atom` || conts != 1 {
		t.Errorf("got %q with %d continuations", got, conts)
	}
}

func TestDecoderLimits(t *testing.T) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("{100}\r\n")))
	d.MaxLiteral = 10
	if _, err := d.Literal(); err != ErrLiteralTooBig {
		t.Errorf("Literal over limit = %v, want ErrLiteralTooBig", err)
	}
	d = NewDecoder(bufio.NewReader(strings.NewReader(strings.Repeat("a", 100) + "\r\n")))
	d.MaxLine = 50
	if _, err := d.Atom(); err != ErrLineTooLong {
		t.Errorf("Atom over line limit = %v, want ErrLineTooLong", err)
	}
	d = NewDecoder(bufio.NewReader(strings.NewReader(strings.Repeat("(", 10) + "\r\n")))
	d.MaxDepth = 4
	if _, err := ParseSearchKeys(d); err != ErrTooDeep {
		t.Errorf("deep search = %v, want ErrTooDeep", err)
	}
}

func TestEncoderStrings(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e := NewEncoder(w)
	e.String(`a "b" \c`).SP().String("line\r\nbreak").SP().Mailbox("Café")
	e.UTF8 = true
	e.SP().Mailbox("Café").SP().NString("")
	_ = e.Flush()
	want := `"a \"b\" \\c" {11}` + "\r\nline\r\nbreak \"Caf&AOk-\" \"Café\" NIL"
	if buf.String() != want {
		t.Errorf("encoded %q, want %q", buf.String(), want)
	}
}

// FuzzSeqSet checks that sequence set parsing never panics and that what
// it accepts formats back into something it accepts.
func FuzzSeqSet(f *testing.F) {
	for _, s := range []string{"1:3,5", "*", "$", "1:*", "4294967295", "0", "1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSeqSet(s)
		if err != nil || set.Saved {
			return
		}
		out := FormatSet(set.Expand(1000))
		if out == "" {
			return
		}
		if _, err := ParseSeqSet(out); err != nil {
			t.Errorf("FormatSet output %q does not parse: %v", out, err)
		}
	})
}

// FuzzMUTF7 checks that decoding never panics and encoding round-trips.
func FuzzMUTF7(f *testing.F) {
	for _, s := range []string{"Caf&AOk-", "Tom&-Jerry", "&ZeVnLIqe-", "Bad&name", "&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec, err := DecodeMUTF7(s)
		if err != nil {
			return
		}
		if back, err := DecodeMUTF7(EncodeMUTF7(dec)); err != nil || back != dec {
			t.Errorf("round trip of %q: %q, %v", dec, back, err)
		}
	})
}
