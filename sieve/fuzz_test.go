package sieve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse compiles arbitrary scripts, seeded from the Pigeonhole suite,
// and runs those that compile: nothing may panic or run away.
func FuzzParse(f *testing.F) {
	var seeds []string
	filepath.WalkDir(pigeonholeDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".sieve") || strings.HasSuffix(p, ".svtest") {
			if b, err := os.ReadFile(p); err == nil && len(b) < 16<<10 {
				seeds = append(seeds, string(b))
			}
		}
		return nil
	})
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add("if header :matches \"subject\" \"*a?b*\" { fileinto \"x\"; }")
	msg, _ := ReadMessage(strings.NewReader("From: a@example.org\r\nSubject: ab\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"))
	opts := &Options{MaxSteps: 10000, MaxNesting: 16, MaxCPUTime: 50 * time.Millisecond}
	f.Fuzz(func(t *testing.T, src string) {
		if _, err := Parse(src); err != nil {
			return
		}
		sc, err := Compile("fuzz", src, opts)
		if err != nil {
			return
		}
		sc.Run(context.Background(), msg, &Env{Envelope: Envelope{From: "a@example.org",
			To: "b@example.org"}})
	})
}
