package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

// serverProcess is the server binary running as a separate process.
type serverProcess struct {
	cmd        *exec.Cmd
	logs       *syncBuffer
	data       string
	smtp       string
	imap       string
	imaps      string
	submission string
	sieve      string
	http       string
}

// builtServer is the server binary, compiled once for every test of the
// package that runs it as a process.
var builtServer struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtServer.dir != "" {
		os.RemoveAll(builtServer.dir)
	}
	os.Exit(code)
}

// buildServer compiles the server binary on first use.
func buildServer(t *testing.T) string {
	t.Helper()
	b := &builtServer
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "bulwark-e2e"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "bulwark-server")
		out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// startServer runs bin on a fresh data folder, with passwords allowed
// without TLS when plaintext is set. Every listener takes a free port
// (address "127.0.0.1:0"); the addresses are read back from the log lines
// the server writes for its listeners.
func startServer(t *testing.T, bin string, accounts map[string]string,
	plaintext bool, extraConfig ...string) *serverProcess {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	p := &serverProcess{logs: new(syncBuffer), data: data}
	config := fmt.Sprintf(`hostname = "mx.e2e.test"
[listen]
smtp = "127.0.0.1:0"
submission = "127.0.0.1:0"
submissions = "127.0.0.1:0"
imap = "127.0.0.1:0"
imaps = "127.0.0.1:0"
http = "127.0.0.1:0"
managesieve = "127.0.0.1:0"
[auth]
allow_plaintext = %t
[dns]
servers = [%q]
`, plaintext, startDNS(t)) + strings.Join(extraConfig, "\n")
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for user, pass := range accounts {
		out, err := exec.Command(bin, "-data", data, "account", "add", user, pass).CombinedOutput()
		if err != nil {
			t.Fatalf("account add %s: %v\n%s", user, err, out)
		}
	}
	p.cmd = exec.Command(bin, "-config", cfgPath, "-data", data)
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(t) })
	addrs := p.listeners(t)
	p.smtp, p.submission, p.imap = addrs["smtp"], addrs["submission"], addrs["imap"]
	p.imaps, p.sieve, p.http = addrs["imaps"], addrs["managesieve"], addrs["http"]
	return p
}

var listeningLine = regexp.MustCompile(`msg=listening service=(\S+) addr=(\S+)`)

// listeners waits for the server's "listening" log lines and returns the
// address of each service.
func (p *serverProcess) listeners(t *testing.T) map[string]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		logs := p.logs.String()
		found := map[string]string{}
		for _, m := range listeningLine.FindAllStringSubmatch(logs, -1) {
			found[m[1]] = m[2]
		}
		if _, ok := found["imaps"]; ok && found["smtp"] != "" {
			return found
		}
		if strings.Contains(logs, "server:") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start its listeners; log:\n%s", p.logs)
	return nil
}

// syncBuffer is a bytes.Buffer that the server's output and the test
// may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitListening(t *testing.T, addr string, p *serverProcess) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not listen on %s; log:\n%s", addr, p.logs)
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serverProcess) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit: %v; log:\n%s", err, p.logs)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Errorf("server did not stop within 20s; log:\n%s", p.logs)
	}
}

// requireTool returns the path of a program the test needs; outside CI a
// missing program skips the test, in CI it fails it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed", name)
		}
		t.Fatalf("%s not installed (bash .ci/setup installs it)", name)
	}
	return path
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstLines(s string, n int) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(s))
	for i := 0; i < n && sc.Scan(); i++ {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

// startDNS serves the zones of the test senders on a loopback port, so
// that the server's SPF, DKIM and DMARC lookups never leave the machine.
func startDNS(t *testing.T) string {
	t.Helper()
	zones := map[string]mockdns.Zone{
		"elsewhere.test.":        {TXT: []string{"v=spf1 ip4:127.0.0.1 -all"}},
		"_dmarc.elsewhere.test.": {TXT: []string{"v=DMARC1; p=none"}},
		"e2e.test.":              {TXT: []string{"v=spf1 ip4:127.0.0.1 ~all"}},
	}
	srv, err := mockdns.NewServerWithLogger(zones, nopLogger{}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.LocalAddr().String()
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
