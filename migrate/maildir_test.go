package migrate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseMaildirName(t *testing.T) {
	tests := []struct {
		name, unique, flags string
		ok                  bool
	}{
		{"1700000000.M1P2.host:2,FS", "1700000000.M1P2.host", "FS", true},
		{"1700000000.M1P2.host!2,RS", "1700000000.M1P2.host", "RS", true},
		{"1700000000.M1P2.host", "1700000000.M1P2.host", "", true},
		{"1700000000.x:2,", "1700000000.x", "", true},
		{"1700000000.x,S=123:2,Sab", "1700000000.x,S=123", "Sab", true},
		{"1700000000.x:1,experimental", "1700000000.x", "", true},
		{".hidden", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, f, ok := ParseMaildirName(tc.name)
			if u != tc.unique || f != tc.flags || ok != tc.ok {
				t.Errorf("got %q %q %v, want %q %q %v", u, f, ok, tc.unique, tc.flags, tc.ok)
			}
		})
	}
	kws := MaildirKeywords("DFPRSTab", map[byte]string{'a': "$Junk", 'b': "Work"})
	want := []string{"$answered", "$deleted", "$draft", "$flagged", "$forwarded",
		"$junk", "$seen", "work"}
	if !slices.Equal(kws, want) {
		t.Errorf("keywords %v, want %v", kws, want)
	}
}

// writeMaildirFile writes one message file with its modification time.
func writeMaildirFile(t *testing.T, path, body string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestImportMaildir(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	t0 := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	files := []struct {
		path  string
		when  time.Time
		flags string
	}{
		{"cur/1551675967.A.host:2,S", t0, "$seen"},
		{"new/1551675968.B.host", t0.Add(time.Hour), ""},
		{".Work/cur/1551675969.C.host:2,FRa", t0.Add(2 * time.Hour),
			"$answered $flagged $junk"},
		{".Work.Projects/cur/1551675970.D.host:2,T", t0.Add(3 * time.Hour), "$deleted"},
	}
	for i, f := range files {
		writeMaildirFile(t, filepath.Join(root, f.path), testMessage("abe", i), f.when)
	}
	if err := os.WriteFile(filepath.Join(root, ".Work", "dovecot-keywords"),
		[]byte("0 $Junk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := memoryServer(t)
	acct := "abe@example.test"
	n, err := ImportMaildir(ctx, dst.target(), acct, root, MailOptions{})
	if err != nil || n != 4 {
		t.Fatalf("imported %d: %v", n, err)
	}
	snap := snapshot(t, dst, acct)
	check := func(box string, idx []int) {
		t.Helper()
		v := snap[box]
		if len(v.Messages) != len(idx) {
			t.Fatalf("%s: %d messages, want %d", box, len(v.Messages), len(idx))
		}
		for j, i := range idx {
			m := v.Messages[j]
			if m.Body != testMessage("abe", i) || m.Keywords != files[i].flags ||
				!m.Received.Equal(files[i].when) {
				t.Errorf("%s message %d: %q %v", box, j, m.Keywords, m.Received)
			}
		}
	}
	check("INBOX", []int{0, 1})
	check("Work", []int{2})
	check("Work/Projects", []int{3})

	// Export as Maildir and read it back into another account.
	out := t.TempDir()
	if n, err := ExportMaildir(ctx, dst.mail, acct, out, MailOptions{}); err != nil || n != 4 {
		t.Fatalf("export maildir: %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(out, ".Work.Projects", "cur")); err != nil {
		t.Fatal(err)
	}
	// The custom keyword has no Maildir letter: it is not written.
	files[2].flags = "$answered $flagged"
	snap = nil
	if _, err := ImportMaildir(ctx, dst.target(), "bea@example.test", out,
		MailOptions{}); err != nil {
		t.Fatal(err)
	}
	snap = snapshot(t, dst, "bea@example.test")
	check("INBOX", []int{0, 1})
	check("Work", []int{2})
	check("Work/Projects", []int{3})
}

func TestExportMaildirRefusesDottedName(t *testing.T) {
	ctx := context.Background()
	s := memoryServer(t)
	if err := s.mail.CreateAccount(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.mail.CreateMailbox(ctx, "a", "v1.2", ""); err != nil {
		t.Fatal(err)
	}
	_, err := ExportMaildir(ctx, s.mail, "a", t.TempDir(), MailOptions{})
	if err == nil || !strings.Contains(err.Error(), "v1.2") {
		t.Fatalf("got %v, want an error naming the mailbox", err)
	}
}
