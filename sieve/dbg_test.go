package sieve

import (
	"os"
	"testing"
)

func TestDebugCompile(t *testing.T) {
	for _, p := range []string{os.Getenv("F")} {
		src, _ := os.ReadFile(p)
		_, err := Compile("x", string(src), &Options{})
		t.Logf("%s:\n%v", p, err)
	}
}
