package imap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
)

const testPass = "secret"

// testEnv is a running server over an in-memory store.
type testEnv struct {
	t     testing.TB
	srv   *Server
	store *mailstore.Store
	dir   *local.Directory
	addr  string
}

// newEnv starts a server with the given accounts; tweak may change the
// options before the server is built.
func newEnv(t testing.TB, accounts []string, tweak func(*Options)) *testEnv {
	t.Helper()
	env := buildEnv(t, accounts, tweak)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = env.srv.Shutdown(ctx)
	})
	return env
}

// buildEnv starts a server that lives until the process ends.
func buildEnv(t testing.TB, accounts []string, tweak func(*Options)) *testEnv {
	t.Helper()
	return buildEnvOn(t, memory.New(), memory.NewBlobs(), accounts, tweak)
}

// buildEnvOn starts a server whose mail and directory live in kv and blobs.
func buildEnvOn(t testing.TB, kv store.KV, blobs store.BlobStore, accounts []string,
	tweak func(*Options)) *testEnv {
	t.Helper()
	ctx := context.Background()
	ms, err := mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: blobs})
	if err != nil {
		t.Fatalf("mailstore.New: %v", err)
	}
	cheap := password.Options{Argon2: password.Argon2Params{Time: 1, Memory: 64}}
	dir, err := local.New(ctx, kv, local.Options{Directory: directory.Options{Passwords: cheap}})
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	env := &testEnv{t: t, store: ms, dir: dir}
	for _, a := range accounts {
		env.addAccount(a)
	}
	opts := Options{Store: ms, Directory: dir, AllowInsecureAuth: true}
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = srv.Serve(l) }()
	env.srv, env.addr = srv, l.Addr().String()
	return env
}

func (e *testEnv) addAccount(name string) {
	e.t.Helper()
	ctx := context.Background()
	p := directory.Principal{Name: name, Emails: []string{name}, Roles: []string{"user"}}
	if err := e.dir.CreatePrincipal(ctx, p, testPass); err != nil {
		e.t.Fatalf("CreatePrincipal(%s): %v", name, err)
	}
	if err := e.store.CreateAccount(ctx, name); err != nil {
		e.t.Fatalf("CreateAccount(%s): %v", name, err)
	}
}

// rawClient speaks IMAP by hand to check exact wire output.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	n    int
}

func (e *testEnv) dial() *rawClient {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	c := &rawClient{t: e.t, conn: conn, r: bufio.NewReader(conn)}
	e.t.Cleanup(func() { _ = conn.Close() })
	greet := c.readLine()
	if !strings.HasPrefix(greet, "* OK") {
		e.t.Fatalf("greeting = %q", greet)
	}
	return c
}

// login dials and logs in as user.
func (e *testEnv) login(user string) *rawClient {
	c := e.dial()
	c.ok("LOGIN " + quote(user) + " " + testPass)
	return c
}

func quote(s string) string { return strconv.Quote(s) }

// readLine reads one response line; a literal at its end is read and
// inlined, so the result is one logical response.
func (c *rawClient) readLine() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var sb strings.Builder
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read: %v (have %q)", err, sb.String()+line)
		}
		sb.WriteString(line)
		trim := strings.TrimRight(line, "\r\n")
		if !strings.HasSuffix(trim, "}") {
			return strings.TrimRight(sb.String(), "\r\n")
		}
		i := strings.LastIndexByte(trim, '{')
		n, err := strconv.Atoi(trim[i+1 : len(trim)-1])
		if err != nil {
			return strings.TrimRight(sb.String(), "\r\n")
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("read literal: %v", err)
		}
		sb.Write(buf)
	}
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// do sends a command with a fresh tag and returns the untagged lines and
// the tagged status line.
func (c *rawClient) do(cmd string) ([]string, string) {
	c.t.Helper()
	c.n++
	tag := fmt.Sprintf("t%d", c.n)
	c.send(tag + " " + cmd + "\r\n")
	return c.until(tag)
}

// until reads responses up to the tagged one.
func (c *rawClient) until(tag string) ([]string, string) {
	c.t.Helper()
	var lines []string
	for {
		l := c.readLine()
		if strings.HasPrefix(l, tag+" ") {
			return lines, strings.TrimPrefix(l, tag+" ")
		}
		lines = append(lines, l)
	}
}

// ok runs a command that must succeed.
func (c *rawClient) ok(cmd string) []string {
	c.t.Helper()
	lines, status := c.do(cmd)
	if !strings.HasPrefix(status, "OK") {
		c.t.Fatalf("%s: got %q, untagged %q", cmd, status, lines)
	}
	return lines
}

// appendMsg appends a message with a synchronising literal.
func (c *rawClient) appendMsg(mbox, flags, msg string) string {
	c.t.Helper()
	c.n++
	tag := fmt.Sprintf("t%d", c.n)
	if flags != "" {
		flags = " (" + flags + ")"
	}
	c.send(fmt.Sprintf("%s APPEND %s%s {%d}\r\n", tag, mbox, flags, len(msg)))
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		c.t.Fatalf("APPEND continuation = %q", l)
	}
	c.send(msg + "\r\n")
	_, status := c.until(tag)
	if !strings.HasPrefix(status, "OK") {
		c.t.Fatalf("APPEND: %q", status)
	}
	return status
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(strings.ToUpper(l), strings.ToUpper(sub)) {
			return true
		}
	}
	return false
}

// simpleMsg builds a small RFC 5322 message.
func simpleMsg(subject, body string) string {
	return "From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\n" +
		"Subject: " + subject + "\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.test>\r\n\r\n" +
		body + "\r\n"
}
