package migrate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bulwarkmail/bulwark/store/bolt"
)

// crashEnv names the export folder and bolt file of the child process of
// TestImportKilled.
const crashEnv = "MIGRATE_CRASH_TEST"

// TestImportKilled runs an import in a child process that dies midway,
// as a killed server would, then resumes it on the same bolt file and
// compares the result with the source, UIDs and MODSEQ order included.
func TestImportKilled(t *testing.T) {
	if spec := os.Getenv(crashEnv); spec != "" {
		crashChild(t, spec)
		return
	}
	ctx := context.Background()
	src := memoryServer(t)
	populate(t, src, 2, 80)
	for _, a := range []string{"user0@example.test", "user1@example.test"} {
		mutate(t, src, a)
	}
	dir := t.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "mail.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportKilled$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir+string(os.PathListSeparator)+dbPath)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v\n%s", err, out)
	}
	db, err := bolt.Open(dbPath, bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dst := newServer(t, db, nil)
	if _, err := Import(ctx, dst.target(), dir, ImportOptions{CheckpointEvery: 8}); err != nil {
		t.Fatalf("resume: %v", err)
	}
	compareServers(t, src, dst)
	compareExact(t, src, dst)
	compareDirectory(t, src, dst)
	compareScripts(t, src, dst, "user1@example.test")
}

// crashChild imports and exits the process in the middle of the second
// account, between two checkpoints, after an email in two mailboxes was
// created in the first and before it is linked to the second.
func crashChild(t *testing.T, spec string) {
	dir, dbPath := filepath.SplitList(spec)[0], filepath.SplitList(spec)[1]
	db, err := bolt.Open(dbPath, bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	dst := newServer(t, db, nil)
	_, err = Import(context.Background(), dst.target(), dir, ImportOptions{
		CheckpointEvery: 8,
		Progress: func(done, _ int64) {
			if done == 120 {
				os.Exit(3)
			}
		}})
	t.Fatalf("import finished: %v", err)
}
