package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusMessages returns some raw messages of the shared corpus.
func corpusMessages(t testing.TB, max int) [][]byte {
	dir := filepath.Join("..", "..", "..", "..", "shared", "testdata", "messages")
	var out [][]byte
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(out) >= max || !strings.HasSuffix(path, ".eml") {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil && len(b) < 64<<10 {
			out = append(out, b)
		}
		return nil
	})
	return out
}

// FuzzParseCommand checks that command parsing never panics and that an
// accepted path never carries a control character into a header field.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"EHLO client.example.com", "MAIL FROM:<a@example.com> SIZE=10 BODY=8BITMIME",
		"RCPT TO:<b+tag@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2B@x",
		"MAIL FROM:<> RET=HDRS ENVID=x+2By", `RCPT TO:<"q\"x"@[IPv6:2001:db8::1]>`,
		"MAIL FROM:<@a,@b:c@d>", "BDAT 100 LAST", "AUTH PLAIN AGJvYgBwdw==",
		"RCPT TO:<jöran@bücher.example>", "MAIL FROM:<a@b>\rX: y",
	} {
		f.Add([]byte(s))
	}
	for _, m := range corpusMessages(f, 40) {
		for _, line := range bytes.Split(m, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("From:")) || bytes.HasPrefix(line, []byte("To:")) {
				f.Add(append([]byte("MAIL FROM:<"), append(bytes.TrimSpace(line[5:]), '>')...))
			}
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := ParseCommand(line)
		if err != nil {
			return
		}
		for _, prefix := range []string{"FROM:", "TO:"} {
			path, params, err := ParsePathArg(cmd.Arg, prefix)
			if err != nil {
				continue
			}
			for _, p := range params {
				DecodeXtext(p.Value)
			}
			for _, utf8 := range []bool{false, true} {
				mb, err := ParseMailbox(path, utf8)
				if err == nil && strings.ContainsAny(mb.String(), "\r\n\x00<>") &&
					!strings.HasPrefix(mb.Local, `"`) {
					t.Errorf("ParseMailbox(%q) = %q: unsafe characters", path, mb)
				}
				if err == nil && strings.ContainsAny(mb.String(), "\r\n\x00") {
					t.Errorf("ParseMailbox(%q) = %q: control characters", path, mb)
				}
			}
		}
	})
}

// FuzzDataReader checks the smuggling invariant: DATA ends exactly after
// the first CRLF "." CRLF (counting the CRLF of the DATA line), whatever
// the policy, and bytes after it are left unread.
func FuzzDataReader(f *testing.F) {
	for _, s := range []string{
		"a\r\n.\r\n", "a\r\n\n.\r\nMAIL\r\n.\r\n", "\r.\r\n.\r\n", "..\r\n.\r\n",
		".\r\n", "a\n.\n", "x\r\n.\r", strings.Repeat("z", 5000) + "\r\n.\r\nQ",
	} {
		f.Add([]byte(s), false)
	}
	for _, m := range corpusMessages(f, 20) {
		f.Add(append(m, ".\r\nQUIT\r\n"...), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, normalise bool) {
		br := bufio.NewReaderSize(bytes.NewReader(in), 64)
		_, err := io.Copy(io.Discard, NewDataReader(br, 100, normalise))
		rest, _ := io.ReadAll(br)
		end := bytes.Index(append([]byte("\r\n"), in...), []byte("\r\n.\r\n"))
		if end < 0 {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("no terminator in %q, got %v", in, err)
			}
			return
		}
		if consumed := len(in) - len(rest); consumed != end+3 {
			t.Fatalf("read %q: consumed %d bytes, want %d", in, consumed, end+3)
		}
		if err != nil && !errors.Is(err, ErrBareLineEnding) && !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("read %q: %v", in, err)
		}
	})
}
