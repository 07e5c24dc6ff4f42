package imap

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPythonImaplib runs a session with Python's imaplib.
func TestPythonImaplib(t *testing.T) {
	py := needTool(t, "python3")
	env := newEnv(t, []string{"pyuser@example.test"}, nil)
	host, port, _ := strings.Cut(env.addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "testdata/imaplib_client.py", host, port,
		"pyuser@example.test", testPass).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("imaplib client: %v\n%s", err, out)
	}
}
