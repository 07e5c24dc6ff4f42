package wire

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"strings"
	"testing"
)

// BenchmarkDataReader measures DATA decoding of a 1 MB message of 78
// character lines, against the standard library's textproto.DotReader as
// the peer (which does not defend against smuggling).
func BenchmarkDataReader(b *testing.B) {
	msg := []byte(strings.Repeat(strings.Repeat("x", 78)+"\r\n", 13000) + ".\r\n")
	b.Run("textproto", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		buf := make([]byte, 32<<10)
		for i := 0; i < b.N; i++ {
			tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg)))
			io.CopyBuffer(io.Discard, tr.DotReader(), buf)
		}
	})
	for _, normalise := range []bool{false, true} {
		name := "reject"
		if normalise {
			name = "normalise"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			buf := make([]byte, 32<<10)
			for i := 0; i < b.N; i++ {
				br := bufio.NewReader(bytes.NewReader(msg))
				if _, err := io.CopyBuffer(io.Discard, NewDataReader(br, 1000, normalise),
					buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseMail measures parsing a MAIL command with parameters.
func BenchmarkParseMail(b *testing.B) {
	line := []byte("MAIL FROM:<alice.smith+news@example.org> SIZE=10240 BODY=8BITMIME " +
		"RET=HDRS ENVID=abc123")
	for i := 0; i < b.N; i++ {
		cmd, _ := ParseCommand(line)
		path, _, _ := ParsePathArg(cmd.Arg, "FROM:")
		ParseMailbox(path, false)
	}
}
