package managesieve

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runSieveConnect runs the sieve-connect client against addr.
func runSieveConnect(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pw.WriteString("secret\n")
	pw.Close()
	defer pr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	base := []string{"--server", host, "--port", port, "--user", "alice@example.org",
		"--passwordfd", "3", "--notlsverify", "--authmech", "PLAIN"}
	cmd := exec.CommandContext(ctx, "sieve-connect", append(base, args...)...)
	cmd.ExtraFiles = []*os.File{pr}
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSieveConnect(t *testing.T) {
	if _, err := exec.LookPath("sieve-connect"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("sieve-connect not installed")
		}
		t.Fatal("sieve-connect not installed")
	}
	addr, st := startServer(t, Options{TLSConfig: selfSigned(t)})
	dir := t.TempDir()
	local := filepath.Join(dir, "filter.sieve")
	script := "require [\"fileinto\"];\nif header :contains \"subject\" \"spam\" " +
		"{\n  fileinto \"Junk\";\n}\n"
	if err := os.WriteFile(local, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runSieveConnect(t, addr, "--upload", "--localsieve", local,
		"--remotesieve", "filter"); err != nil {
		t.Fatalf("upload: %v\n%s", err, out)
	}
	if out, err := runSieveConnect(t, addr, "--activate", "--remotesieve",
		"filter"); err != nil {
		t.Fatalf("activate: %v\n%s", err, out)
	}
	out, err := runSieveConnect(t, addr, "--list")
	if err != nil || !strings.Contains(out, "filter") || !strings.Contains(out, "ACTIVE") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	back := filepath.Join(dir, "back.sieve")
	if out, err := runSieveConnect(t, addr, "--download", "--remotesieve", "filter",
		"--localsieve", back); err != nil {
		t.Fatalf("download: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(back)
	if string(got) != script {
		t.Errorf("downloaded %q, want %q", got, script)
	}
	bad := filepath.Join(dir, "bad.sieve")
	os.WriteFile(bad, []byte("if true {\n  frobnicate;\n}\n"), 0o600)
	out, err = runSieveConnect(t, addr, "--upload", "--localsieve", bad,
		"--remotesieve", "bad")
	if err == nil || !strings.Contains(out, "line 2") {
		t.Errorf("upload of a faulty script: err=%v\n%s", err, out)
	}
	if _, gerr := st.Get(context.Background(), "alice@example.org", "bad"); gerr == nil {
		t.Errorf("faulty script was stored")
	}
	if _, _, aerr := st.Active(context.Background(), "alice@example.org"); aerr != nil {
		t.Errorf("Active = %v", aerr)
	}
}
