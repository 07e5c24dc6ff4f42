package imap

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// needTool skips when a third-party client is missing, except in CI.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

type mbsyncEnv struct {
	t      *testing.T
	bin    string
	config string
	maildr string
}

func newMbsync(t *testing.T, env *testEnv, user string) *mbsyncEnv {
	bin := needTool(t, "mbsync")
	dir := t.TempDir()
	host, port, _ := strings.Cut(env.addr, ":")
	mail := filepath.Join(dir, "mail")
	conf := fmt.Sprintf(`IMAPAccount test
Host %s
Port %s
User %s
Pass %s
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account test

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel ch
Far :remote:
Near :local:
Patterns INBOX
Create Both
Expunge Both
SyncState *
Sync All
`, host, port, user, testPass, mail, mail)
	if err := os.MkdirAll(mail, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "mbsyncrc")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return &mbsyncEnv{t: t, bin: bin, config: cfg, maildr: filepath.Join(mail, "INBOX")}
}

func (m *mbsyncEnv) sync() {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, m.bin, "-c", m.config, "-a").CombinedOutput()
	if err != nil {
		m.t.Fatalf("mbsync: %v\n%s", err, out)
	}
}

// files lists the local messages as "name-without-flags:flags".
func (m *mbsyncEnv) files() []string {
	var out []string
	for _, sub := range []string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(m.maildr, sub))
		for _, e := range ents {
			out = append(out, sub+"/"+e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func localFlags(name string) string {
	if i := strings.Index(name, ":2,"); i >= 0 {
		return name[i+3:]
	}
	return ""
}

// TestMbsync syncs a mailbox both ways with mbsync (isync): new mail,
// flag changes and deletions on each side, then a sync that changes
// nothing.
func TestMbsync(t *testing.T) {
	env := newEnv(t, []string{"max@example.test"}, nil)
	ms := newMbsync(t, env, "max@example.test")
	c := env.login("max@example.test")
	for i := 1; i <= 4; i++ {
		c.appendMsg("INBOX", "", simpleMsg(fmt.Sprintf("server %d", i), "text"))
	}
	ms.sync()
	files := ms.files()
	if len(files) != 4 {
		t.Fatalf("after first sync local has %d messages: %v", len(files), files)
	}

	// Local changes: a new message, a flag, a deletion.
	newMsg := simpleMsg("local new", "from the laptop")
	name := fmt.Sprintf("%d.local.host", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(ms.maildr, "new", name), []byte(newMsg), 0o600); err != nil {
		t.Fatal(err)
	}
	cur := filepath.Join(ms.maildr, files[0])
	base := strings.SplitN(filepath.Base(cur), ":2,", 2)[0]
	if err := os.Rename(cur, filepath.Join(ms.maildr, "cur", base+":2,F")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(ms.maildr, files[1])); err != nil {
		t.Fatal(err)
	}
	// Server changes: a new message, a flag, a deletion.
	c.appendMsg("INBOX", "", simpleMsg("server new", "fresh"))
	c.ok("SELECT INBOX")
	c.ok(`UID STORE 3 +FLAGS (\Seen)`)
	c.ok(`UID STORE 4 +FLAGS (\Deleted)`)
	c.ok("EXPUNGE")
	ms.sync()

	snapshot := func() string {
		c.ok("NOOP")
		return strings.Join(c.ok("UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "\n")
	}
	all := snapshot()
	for _, want := range []string{"local new", "server new", "server 1", "server 3"} {
		if !strings.Contains(all, want) {
			t.Errorf("server lacks %q after sync: %s", want, all)
		}
	}
	for _, gone := range []string{"server 2", "server 4"} {
		if strings.Contains(all, gone) {
			t.Errorf("server still has %q: %s", gone, all)
		}
	}
	if !strings.Contains(all, `\Flagged`) {
		t.Errorf("local flag not on server: %s", all)
	}
	files = ms.files()
	if len(files) != 4 {
		t.Errorf("local has %d messages, want 4: %v", len(files), files)
	}
	seen := 0
	for _, f := range files {
		if strings.Contains(localFlags(f), "S") {
			seen++
		}
	}
	if seen != 1 {
		t.Errorf("local seen count = %d, want 1: %v", seen, files)
	}

	// A second sync changes nothing on either side.
	before, beforeFiles := all, files
	ms.sync()
	after := snapshot()
	if after != before || strings.Join(ms.files(), ",") != strings.Join(beforeFiles, ",") {
		t.Errorf("second sync changed state:\n%s\n%s\n%v\n%v", before, after, beforeFiles, ms.files())
	}
}
