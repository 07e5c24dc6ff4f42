package managesieve

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReaderCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"NOOP\r\n", []string{"NOOP"}},
		{`PUTSCRIPT "a b" "x\"y"` + "\r\n", []string{"PUTSCRIPT", "a b", `x"y`}},
		{"PUTSCRIPT \"s\" {5+}\r\nkeep;\r\n", []string{"PUTSCRIPT", "s", "keep;"}},
		{"HAVESPACE \"s\" 100\r\n", []string{"HAVESPACE", "s", "100"}},
	}
	for _, tc := range tests {
		r := &reader{br: bufio.NewReader(strings.NewReader(tc.in)), maxLine: 100,
			maxLiteral: 100}
		args, err := r.command()
		var got []string
		for _, a := range args {
			got = append(got, a.s)
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("command(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzCommand feeds arbitrary input to the command reader.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{"NOOP\r\n", "PUTSCRIPT \"s\" {5+}\r\nkeep;\r\n",
		"AUTHENTICATE \"PLAIN\" \"AGEAYg==\"\r\n", "LISTSCRIPTS\r\n", "{3}\r\nabc\r\n",
		"\"unterminated\r\n", "CHECKSCRIPT {999999999+}\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := &reader{br: bufio.NewReader(strings.NewReader(in)), maxLine: 1024,
			maxLiteral: 1024}
		for i := 0; i < 8; i++ {
			if _, err := r.command(); err != nil {
				return
			}
		}
	})
}

// TestReaderOversizedLiteral checks that a literal over the limit is
// skipped with the rest of its command, leaving the reader at the next
// command.
func TestReaderOversizedLiteral(t *testing.T) {
	in := "PUTSCRIPT \"s\" {200+}\r\n" + strings.Repeat("x", 200) + "\r\n" +
		"CHECKSCRIPT {5+}\r\nkeep; {300+}\r\n" + strings.Repeat("y", 300) + "\r\nNOOP\r\n"
	r := &reader{br: bufio.NewReader(strings.NewReader(in)), maxLine: 100, maxLiteral: 100}
	for i := 0; i < 2; i++ {
		if _, err := r.command(); !errors.Is(err, ErrLiteralTooLarge) {
			t.Fatalf("command %d: err = %v, want ErrLiteralTooLarge", i, err)
		}
	}
	args, err := r.command()
	if err != nil || len(args) != 1 || args[0].s != "NOOP" {
		t.Errorf("next command = %v, %v", args, err)
	}
}
