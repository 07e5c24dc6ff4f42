package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickstartSwaksToMbsync follows the README's quickstart: a message
// sent by swaks to the inbound SMTP port arrives in mbsync's Maildir over
// implicit TLS, trusting the self-signed certificate the server wrote.
func TestQuickstartSwaksToMbsync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	swaks := requireTool(t, "swaks")
	mbsync := requireTool(t, "mbsync")
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"alice@example.test": "a long secret"}, false)
	waitListening(t, p.imaps, p)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", p.smtp,
		"--from", "bob@elsewhere.test", "--to", "alice@example.test",
		"--header", "Subject: first message", "--body", "Hello Alice").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}

	home := t.TempDir()
	maildir := filepath.Join(home, "Mail", "alice")
	if err := os.MkdirAll(maildir, 0o700); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(p.imaps, ":")
	rc := fmt.Sprintf(`IMAPAccount alice
Host %s
Port %s
User alice@example.test
Pass "a long secret"
SSLType IMAPS
CertificateFile %s

IMAPStore alice-remote
Account alice

MaildirStore alice-local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel alice
Far :alice-remote:
Near :alice-local:
Patterns *
Create Near
Sync All
`, host, port, filepath.Join(p.data, "tls-cert.pem"), maildir, maildir)
	rcPath := filepath.Join(home, "mbsyncrc")
	if err := os.WriteFile(rcPath, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		cmd := exec.CommandContext(ctx, mbsync, "-c", rcPath, "-a")
		cmd.Env = append(os.Environ(), "HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mbsync: %v\n%s\nserver log:\n%s", err, out, tail(p.logs.String(), 30))
		}
	}
	sync()
	files, _ := filepath.Glob(filepath.Join(maildir, "INBOX", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("INBOX/new holds %d files, want 1", len(files))
	}
	body, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "Subject: first message") ||
		!strings.Contains(string(body), "Hello Alice") {
		t.Errorf("synced message lacks the sent subject or body:\n%s", body)
	}
	for _, box := range []string{"Sent", "Drafts", "Trash", "Junk", "Archive"} {
		if _, err := os.Stat(filepath.Join(maildir, box)); err != nil {
			t.Errorf("special-use mailbox %s not synced: %v", box, err)
		}
	}
	sync()
	again, _ := filepath.Glob(filepath.Join(maildir, "INBOX", "*", "*"))
	if len(again) != 1 {
		t.Errorf("second sync left %d files in INBOX, want 1", len(again))
	}
}
