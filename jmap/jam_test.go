package jmap

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// needTool finds a binary; without it the test is skipped, except in CI
// where it fails.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// TestJMAPJam drives the server with the jmap-jam npm client: session,
// mailboxes, a query with a result reference, keywords, and a submission.
func TestJMAPJam(t *testing.T) {
	node, npm := needTool(t, "node"), needTool(t, "npm")
	dir := filepath.Join("testdata", "jam")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "jmap-jam")); err != nil {
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	e := newEnv(t, func(o *Options) {
		o.Tokens = tokens{"jam-token": testUser}
		o.Access = staticAccess{testUser: {sharedUser}}
	})
	e.deliver(testMessage("first message", "one"))
	e.deliver(testMessage("second message", "two"))
	if err := e.ms.CreateAccount(ctx, sharedUser); err != nil {
		t.Fatal(err)
	}
	d, err := e.ms.Deliver(ctx, strings.NewReader(testMessage("shared news", "team")),
		time.Time{}, []mailstore.Recipient{{Account: sharedUser}})
	if err != nil || d[0].Err != nil {
		t.Fatalf("deliver to the shared account: %v %v", err, d)
	}

	cmd := exec.CommandContext(ctx, node, "e2e.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "JMAP_SESSION_URL="+e.srv.URL+PathSession,
		"JMAP_TOKEN=jam-token")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node e2e.mjs: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got struct {
		Total              int      `json:"total"`
		Subjects           []string `json:"subjects"`
		Seen               string   `json:"seen"`
		IdentityChanges    int      `json:"identityChanges"`
		SubmissionsCreated []string `json:"submissionsCreated"`
		MailboxAdded       []string `json:"mailboxAdded"`
		Inbox              struct {
			TotalEmails, TotalThreads, UnreadThreads int
		} `json:"inbox"`
		Copied     string `json:"copied"`
		SharedLeft int    `json:"sharedLeft"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if got.Total != 2 || strings.Join(got.Subjects, "|") != "first message|second message" {
		t.Errorf("jam saw %+v", got)
	}
	em, err := e.ms.Email(ctx, testUser, mailstoreID(got.Seen))
	if err != nil || strings.Join(em.Keywords, ",") != "$seen" {
		t.Errorf("keywords after jam = %v, %v", em, err)
	}
	if len(e.sub.sent) != 1 || e.sub.sent[0].rcpts[0] != "bob@example.net" ||
		!strings.Contains(e.sub.sent[0].data, "sent by jmap-jam") {
		t.Errorf("submitted = %+v", e.sub.sent)
	}
	if got.IdentityChanges != 1 || len(got.SubmissionsCreated) != 1 {
		t.Errorf("jam saw identity changes %d, submissions %v", got.IdentityChanges,
			got.SubmissionsCreated)
	}
	jamBox, err := e.ms.MailboxByName(ctx, testUser, "Jam")
	if err != nil || len(got.MailboxAdded) != 1 || got.MailboxAdded[0] != string(jamBox.ID) {
		t.Errorf("Mailbox/queryChanges added %v, want the Jam mailbox (%v)", got.MailboxAdded, err)
	}
	// Two threads in the inbox, one of them read, before the copy.
	if got.Inbox.TotalEmails != 2 || got.Inbox.TotalThreads != 2 || got.Inbox.UnreadThreads != 1 {
		t.Errorf("jam saw inbox counts %+v", got.Inbox)
	}
	if cp, err := e.ms.Email(ctx, testUser, mailstoreID(got.Copied)); err != nil ||
		cp.Parsed.Subject != "shared news" || got.SharedLeft != 0 {
		t.Errorf("Email/copy gave %q (%v), %d left in the shared account", got.Copied, err,
			got.SharedLeft)
	}
	sent, _ := e.ms.MailboxByName(ctx, testUser, "Sent")
	if sent.Total != 1 {
		t.Errorf("Sent holds %d emails after submission, want 1", sent.Total)
	}
}
