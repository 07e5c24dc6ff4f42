package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// TestManageSieveFilesNextMessage uploads and activates a script with
// sieve-connect, then checks that the next message is filed by it.
func TestManageSieveFilesNextMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	sieveConnect := requireTool(t, "sieve-connect")
	swaks := requireTool(t, "swaks")
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"carol@example.test": "carol-secret"}, false)
	waitListening(t, p.sieve, p)
	waitListening(t, p.imaps, p)

	dir := t.TempDir()
	script := filepath.Join(dir, "rules.sieve")
	rules := "require [\"fileinto\", \"imap4flags\", \"mailbox\"];\n" +
		"if header :contains \"subject\" \"invoice\" {\n" +
		"  addflag \"\\\\Flagged\";\n  fileinto :create \"Bills\";\n}\n"
	if err := os.WriteFile(script, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	host, port, _ := strings.Cut(p.sieve, ":")
	manage := func(args ...string) {
		t.Helper()
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		pw.WriteString("carol-secret\n")
		pw.Close()
		defer pr.Close()
		base := []string{"--server", host, "--port", port, "--user", "carol@example.test",
			"--passwordfd", "3", "--notlsverify", "--authmech", "PLAIN"}
		cmd := exec.CommandContext(ctx, sieveConnect, append(base, args...)...)
		cmd.ExtraFiles = []*os.File{pr}
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sieve-connect %v: %v\n%s", args, err, out)
		}
	}
	manage("--upload", "--localsieve", script, "--remotesieve", "rules")
	manage("--activate", "--remotesieve", "rules")

	for _, subject := range []string{"invoice 42", "hello"} {
		out, err := exec.CommandContext(ctx, swaks, "--server", p.smtp,
			"--from", "shop@elsewhere.test", "--to", "carol@example.test",
			"--header", "Subject: "+subject, "--body", "text").CombinedOutput()
		if err != nil {
			t.Fatalf("swaks: %v\n%s", err, out)
		}
	}

	ic, err := imapclient.DialTLS(p.imaps, &imapclient.Options{TLSConfig: trustServer(t, p)})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("carol@example.test", "carol-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	for box, want := range map[string]uint32{"Bills": 1, "INBOX": 1} {
		sel, err := ic.Select(box, nil).Wait()
		if err != nil {
			t.Fatalf("SELECT %s: %v", box, err)
		}
		if sel.NumMessages != want {
			t.Errorf("%s holds %d messages, want %d", box, sel.NumMessages, want)
		}
	}
	sel, err := ic.Select("Bills", nil).Wait()
	if err != nil || sel.NumMessages == 0 {
		t.Fatalf("SELECT Bills: %v", err)
	}
	msgs, err := ic.Fetch(imapSeq1(), flagsOnly()).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !hasFlag(msgs[0].Flags, `\Flagged`) {
		t.Errorf("filed message lacks \\Flagged (%d messages fetched)", len(msgs))
	}
}
