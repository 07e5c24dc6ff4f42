package main

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// TestEndToEndCorpus sends every corpus message with Python's smtplib and
// reads it back with imaplib from the built binary.
func TestEndToEndCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	python := requireTool(t, "python3")
	bin := buildServer(t)
	// The spam filter is off: it would add fields and file odd corpus
	// messages in Junk, and this test checks that messages are kept as sent.
	p := startServer(t, bin, map[string]string{"corpus@e2e.test": "corpus-secret"}, true,
		"[spam]\nenable = false")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/e2e.py",
		"--smtp", p.smtp, "--imap", p.imap,
		"--user", "corpus@e2e.test", "--password", "corpus-secret",
		"--corpus", "../../../shared/testdata/messages",
		"--known", "testdata/known-differences.tsv")
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("e2e.py: %v\n%s", err, out)
		if ee, ok := err.(*exec.ExitError); ok {
			t.Logf("stderr:\n%s", ee.Stderr)
		}
		t.Logf("server log (tail):\n%s", tail(p.logs.String(), 40))
		return
	}
	t.Logf("e2e.py:\n%s", firstLines(string(out), 12))
}
