package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportImportCommands moves a server with mail to a new data folder
// with the export and import commands, and exports it again to compare.
func TestExportImportCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"eve@example.test": "eve-secret"}, false)
	for _, subject := range []string{"one", "two", "three"} {
		sendPlain(t, p.smtp, "amy@elsewhere.test", "eve@example.test",
			"From: amy@elsewhere.test\r\nSubject: "+subject+"\r\n\r\nbody\r\n")
	}
	p.stop(t)

	dir := t.TempDir()
	export1, export2 := filepath.Join(dir, "e1"), filepath.Join(dir, "e2")
	data2 := filepath.Join(dir, "data2")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	first := run("-data", p.data, "export", export1)
	if !strings.Contains(first, "exported 1 accounts, 1 principals, 3 messages") {
		t.Fatalf("export said:\n%s", first)
	}
	run("-data", data2, "import", export1)
	if list := run("-data", data2, "account", "list"); !strings.Contains(list, "eve@example.test") {
		t.Errorf("account list after import:\n%s", list)
	}
	second := run("-data", data2, "export", export2)
	if !strings.Contains(second, "exported 1 accounts, 1 principals, 3 messages") {
		t.Errorf("export of the imported server said:\n%s", second)
	}
	// Importing the same export again resumes it (a no-op); another
	// export into a store that is not empty is refused.
	run("-data", data2, "import", export1)
	if out, err := exec.Command(bin, "-data", p.data, "import", export2).CombinedOutput(); err == nil {
		t.Errorf("import into a store that is not empty succeeded:\n%s", out)
	}
}
