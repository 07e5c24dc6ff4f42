package migrate

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzMboxReader checks that splitting never fails on input other than
// by a size limit, always ends, and never produces more octets than it
// read.
func FuzzMboxReader(f *testing.F) {
	f.Add(case035)
	f.Add("From a@b Mon Jan  1 00:00:00 2024\n\n>>From x\n\nFrom c@d Mon Jan  1 00:00:00 2024\n")
	f.Add("From a@b Mon Jan  1 00:00:00 2024\r\n\r\n\r\n")
	f.Add("From a@b Mon Jan  1 00:00:00 2024\nStatus: RO\nX-Status: AFTD\n\nx\n")
	if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "testdata", "messages",
		"cpython-email", "mailbox_01.mbox")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, q := range []MboxQuoting{Mboxrd, Mboxo} {
			mr := NewMboxReader(strings.NewReader(in), MboxOptions{Quoting: q,
				MaxMessageSize: 1 << 20})
			var total int
			for i := 0; ; i++ {
				if i > len(in)+1 {
					t.Fatal("more messages than input lines")
				}
				m, err := mr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				sc := newStatusScanner(m)
				b, err := io.ReadAll(sc)
				if err != nil {
					t.Fatal(err)
				}
				if len(sc.keywords()) > 5 {
					t.Fatalf("keywords %v", sc.keywords())
				}
				total += len(b)
			}
			if total > len(in) {
				t.Fatalf("read %d octets from %d", total, len(in))
			}
		}
	})
}

// FuzzParseMaildirName checks that names parse without panics and that
// the parts come from the name.
func FuzzParseMaildirName(f *testing.F) {
	for _, s := range []string{"1700000000.M1P2.host:2,FS", "x!2,RS", "x:1,", ".x",
		"a:2,:2,S", "1.x,S=12,W=13:2,Sabc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		u, flags, ok := ParseMaildirName(name)
		if !ok {
			return
		}
		if !strings.HasPrefix(name, u) || !strings.HasSuffix(name, flags) || u == "" {
			t.Fatalf("%q split into %q and %q", name, u, flags)
		}
		for _, k := range MaildirKeywords(flags, map[byte]string{'a': name}) {
			if k == "" {
				t.Fatal("empty keyword")
			}
		}
	})
}
