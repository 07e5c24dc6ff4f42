package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line, verb, arg string
		err             error
	}{
		{"EHLO client.example.com", "EHLO", "client.example.com", nil},
		{"quit", "QUIT", "", nil},
		{"MAIL FROM:<a@b>  ", "MAIL", "FROM:<a@b>", nil},
		{"", "", "", ErrSyntax},
		{"Subject: x", "", "", ErrSyntax},
		{"MAIL FROM:<a\r@b>", "", "", ErrControl},
		{"NOOP \x00", "", "", ErrControl},
		{"RCPT TO:<jöran@example.com>", "RCPT", "TO:<jöran@example.com>", nil},
	}
	for _, tt := range tests {
		got, err := ParseCommand([]byte(tt.line))
		if !errors.Is(err, tt.err) || err == nil && (got.Verb != tt.verb || got.Arg != tt.arg) {
			t.Errorf("ParseCommand(%q) = %+v, %v, want %s %q, %v", tt.line, got, err,
				tt.verb, tt.arg, tt.err)
		}
	}
}

func TestParsePathArg(t *testing.T) {
	tests := []struct {
		arg, path, params string
		ok                bool
	}{
		{"FROM:<a@example.com>", "a@example.com", "", true},
		{"from: <a@example.com> SIZE=10 body=8bitmime", "a@example.com",
			"SIZE=10 BODY=8bitmime", true},
		{"FROM:<>", "", "", true},
		{"FROM:<@relay.example,@b.example:a@example.com>", "a@example.com", "", true},
		{`FROM:<"a>b"@example.com>`, `"a>b"@example.com`, "", true},
		{"FROM:<a@example.com> SMTPUTF8", "a@example.com", "SMTPUTF8", true},
		{"FROM:a@example.com", "", "", false},
		{"FROM:<a@example.com", "", "", false},
		{"FROM:<a@example.com>x", "", "", false},
		{"FROM:<a<b@example.com>", "", "", false},
		{"FROM:<a@example.com> SIZE=1 SIZE=2", "", "", false},
		{"FROM:<a@example.com> =x", "", "", false},
		{"FROM:<a@example.com> K=a=b", "", "", false},
		{"TO:<a@example.com>", "", "", false},
		{"FROM:<@:a@example.com>", "", "", false},
		{"FROM:<@b d:a@example.com>", "", "", false},
	}
	for _, tt := range tests {
		path, params, err := ParsePathArg(tt.arg, "FROM:")
		if (err == nil) != tt.ok {
			t.Errorf("ParsePathArg(%q) error = %v, want ok %v", tt.arg, err, tt.ok)
			continue
		}
		var ps []string
		for _, p := range params {
			ps = append(ps, p.Key+"="+p.Value)
		}
		got := strings.ReplaceAll(strings.Join(ps, " "), "SMTPUTF8=", "SMTPUTF8")
		if tt.ok && (path != tt.path || got != tt.params) {
			t.Errorf("ParsePathArg(%q) = %q %q, want %q %q", tt.arg, path, got, tt.path, tt.params)
		}
	}
}

func TestParseMailbox(t *testing.T) {
	tests := []struct {
		in, want string
		utf8     bool
	}{
		{"a@example.com", "a@example.com", false},
		{"A.B+tag@Example.COM", "A.B+tag@example.com", false},
		{`"a b"@example.com`, `"a b"@example.com`, false},
		{`"a\"b"@example.com`, `"a\"b"@example.com`, false},
		{"a@[192.0.2.1]", "a@[192.0.2.1]", false},
		{"a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]", false},
		{"jöran@bücher.example", "jöran@bücher.example", true},
		{"jöran@bücher.example", "", false},
		{"a..b@example.com", "", false},
		{".a@example.com", "", false},
		{"a@", "", false},
		{"@example.com", "", false},
		{"a@-x.example", "", false},
		{"a@exa mple.com", "", false},
		{"a@[300.1.1.1]", "", false},
		{"a\x85b@example.com", "", true},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"a@" + strings.Repeat("b", 64) + ".com", "", false},
		{"a\"@example.com", "", false},
	}
	for _, tt := range tests {
		mb, err := ParseMailbox(tt.in, tt.utf8)
		got := ""
		if err == nil {
			got = mb.String()
		}
		if got != tt.want {
			t.Errorf("ParseMailbox(%q, %v) = %q (%v), want %q", tt.in, tt.utf8, got, err, tt.want)
		}
	}
}

func TestXtext(t *testing.T) {
	for _, s := range []string{"", "plain", "a+b=c d", "ünï", "\x00\x7f"} {
		enc := EncodeXtext(s)
		dec, err := DecodeXtext(enc)
		if err != nil || dec != s {
			t.Errorf("DecodeXtext(EncodeXtext(%q)) = %q, %v", s, dec, err)
		}
	}
	for _, bad := range []string{"+", "+4", "+zz", "a=b", "a b", "+4a"} {
		if _, err := DecodeXtext(bad); err == nil {
			t.Errorf("DecodeXtext(%q) succeeded, want error", bad)
		}
	}
}

// readData runs a DataReader over in and returns the output, the error
// and what is left unread.
func readData(in string, maxLine int, normalise bool) (string, error, string) {
	br := bufio.NewReaderSize(strings.NewReader(in), 16)
	out, err := io.ReadAll(NewDataReader(br, maxLine, normalise))
	rest, _ := io.ReadAll(br)
	return string(out), err, string(rest)
}

func TestDataReader(t *testing.T) {
	tests := []struct {
		name, in  string
		normalise bool
		maxLine   int
		out, rest string
		err       error
	}{
		{"plain", "a\r\nb\r\n.\r\nQUIT\r\n", false, 0, "a\r\nb\r\n", "QUIT\r\n", nil},
		{"empty", ".\r\nX", false, 0, "", "X", nil},
		{"stuffed", "..a\r\n..\r\n.\r\n", false, 0, ".a\r\n.\r\n", "", nil},
		{"long lines", strings.Repeat("x", 40) + "\r\n.\r\n", false, 0,
			strings.Repeat("x", 40) + "\r\n", "", nil},
		{"LF.CRLF", "a\r\n\n.\r\nb\r\n.\r\nR", false, 0, "", "R", ErrBareLineEnding},
		{"LF.CRLF normalised", "a\r\n\n.\r\nb\r\n.\r\nR", true, 0,
			"a\r\n\r\n.\r\nb\r\n", "R", nil},
		{"CR.CR normalised", "a\r.\rb\r\n.\r\n", true, 0, "a\r\n.\r\nb\r\n", "", nil},
		{"bare LF end", "a\n.\n", false, 0, "", "", io.ErrUnexpectedEOF},
		{"line limit", "abcdef\r\n.\r\n", false, 7, "", "", ErrLineTooLong},
		{"line at limit", "abcde\r\n.\r\n", false, 7, "abcde\r\n", "", nil},
		{"truncated", "abc\r\n", false, 0, "", "", io.ErrUnexpectedEOF},
		{"CR at buffer edge", strings.Repeat("y", 15) + "\r\n.\r\n", false, 0,
			strings.Repeat("y", 15) + "\r\n", "", nil},
		{"bare CR at buffer edge", strings.Repeat("y", 15) + "\rz\r\n.\r\n", true, 0,
			strings.Repeat("y", 15) + "\r\nz\r\n", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err, rest := readData(tt.in, tt.maxLine, tt.normalise)
			if !errors.Is(err, tt.err) && !(tt.err == nil && err == nil) {
				t.Fatalf("read %q: error %v, want %v", tt.in, err, tt.err)
			}
			if tt.err == nil && out != tt.out || rest != tt.rest {
				t.Errorf("read %q = %q rest %q, want %q rest %q", tt.in, out, rest, tt.out, tt.rest)
			}
		})
	}
}

func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("short\r\n"+strings.Repeat("l", 40)+
		"\r\nlf only\n"+strings.Repeat("m", 20)+"\r\nlast"), 16)
	want := []struct {
		line string
		err  error
	}{
		{"short", nil}, {"", ErrLineTooLong}, {"lf only", nil}, {strings.Repeat("m", 20), nil},
		{"", io.ErrUnexpectedEOF},
	}
	for i, w := range want {
		line, err := ReadLine(br, 30)
		if !errors.Is(err, w.err) && !(w.err == nil && err == nil) || string(line) != w.line {
			t.Errorf("ReadLine #%d = %q, %v, want %q, %v", i, line, err, w.line, w.err)
		}
	}
}
