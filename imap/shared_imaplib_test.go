package imap

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSharedMailboxImaplib checks the wire syntax of GETACL, SETACL,
// DELETEACL, MYRIGHTS, LISTRIGHTS and NAMESPACE with Python's imaplib.
func TestSharedMailboxImaplib(t *testing.T) {
	py := needTool(t, "python3")
	env := newEnv(t, []string{shareOwner, shareUser}, nil)
	host, port, _ := strings.Cut(env.addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "testdata/acl_client.py", host, port,
		shareOwner, shareUser, testPass).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("imaplib ACL client: %v\n%s", err, out)
	}
}
