package managesieve

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// fakeDir knows one user, alice, with password "secret".
type fakeDir struct{}

func (fakeDir) Authenticate(ctx context.Context,
	c directory.Credentials) (*directory.Principal, error) {
	if c.Username == "alice@example.org" && c.Password == "secret" {
		return &directory.Principal{Name: c.Username, Roles: []string{"user"}}, nil
	}
	return nil, directory.ErrInvalidCredentials
}

func (fakeDir) Lookup(ctx context.Context, name string) (*directory.Principal, error) {
	if name == "alice@example.org" {
		return &directory.Principal{Name: name}, nil
	}
	return nil, directory.ErrNotFound
}

func (fakeDir) Resolve(ctx context.Context, a string) (directory.Resolution, error) {
	return directory.Resolution{}, nil
}

func (fakeDir) IsLocalDomain(ctx context.Context, d string) (bool, error) { return true, nil }

func (fakeDir) OwnsAddress(ctx context.Context, p, a string) (bool, error) { return true, nil }

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der},
		PrivateKey: key}}}
}

// startServer runs a server on loopback and returns its address.
func startServer(t *testing.T, opts Options) (string, *sieve.Storage) {
	t.Helper()
	if opts.Storage == nil {
		opts.Storage = sieve.NewStorage(memory.New(), sieve.StorageOptions{
			MaxScripts: 3, MaxScriptSize: 4096})
	}
	opts.Directory = fakeDir{}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		<-done
	})
	return ln.Addr().String(), opts.Storage
}

type client struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &client{t: t, nc: nc, r: bufio.NewReader(nc)}
	c.until()
	return c
}

// until reads lines up to and including the final OK/NO/BYE line.
func (c *client) until() []string {
	c.t.Helper()
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read: %v (after %q)", err, lines)
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "NO") ||
			strings.HasPrefix(l, "BYE") {
			return lines
		}
	}
}

func (c *client) cmd(line string) []string {
	c.t.Helper()
	fmt.Fprintf(c.nc, "%s\r\n", line)
	return c.until()
}

func last(lines []string) string { return lines[len(lines)-1] }

func login(t *testing.T, c *client) {
	t.Helper()
	ir := base64.StdEncoding.EncodeToString([]byte("\x00alice@example.org\x00secret"))
	if r := last(c.cmd(`AUTHENTICATE "PLAIN" "` + ir + `"`)); !strings.HasPrefix(r, "OK") {
		t.Fatalf("AUTHENTICATE = %q", r)
	}
}

func TestSession(t *testing.T) {
	addr, _ := startServer(t, Options{AllowInsecureAuth: true})
	c := dial(t, addr)
	if r := last(c.cmd("LISTSCRIPTS")); !strings.HasPrefix(r, "NO") {
		t.Errorf("LISTSCRIPTS before login = %q, want NO", r)
	}
	bad := base64.StdEncoding.EncodeToString([]byte("\x00alice@example.org\x00wrong"))
	if r := last(c.cmd(`AUTHENTICATE "PLAIN" "` + bad + `"`)); !strings.HasPrefix(r, "NO") {
		t.Errorf("bad password = %q, want NO", r)
	}
	login(t, c)
	script := "require \"fileinto\";\r\nfileinto \"Junk\";\r\n"
	tests := []struct{ cmd, want string }{
		{fmt.Sprintf("PUTSCRIPT \"main\" {%d+}\r\n%s", len(script), script), "OK"},
		{"PUTSCRIPT \"bad\" {16+}\r\nif true { frob;", "NO"},
		{`PUTSCRIPT "bad2" "frobnicate;"`, `NO "line 1, column 1`},
		{`CHECKSCRIPT "keep;"`, "OK"},
		{`CHECKSCRIPT "keep"`, "NO"},
		{`HAVESPACE "x" 100`, "OK"},
		{`HAVESPACE "x" 100000`, "NO (QUOTA/MAXSIZE)"},
		{`SETACTIVE "main"`, "OK"},
		{`SETACTIVE "nope"`, "NO (NONEXISTENT)"},
		{`DELETESCRIPT "main"`, "NO (ACTIVE)"},
		{`PUTSCRIPT "other" "keep;"`, "OK"},
		{`RENAMESCRIPT "other" "main"`, "NO (ALREADYEXISTS)"},
		{`RENAMESCRIPT "main" "primary"`, "OK"},
		{`NOOP "abc"`, `OK (TAG "abc")`},
		{`FROB`, "NO"},
	}
	for _, tc := range tests {
		got := last(c.cmd(tc.cmd))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q = %q, want prefix %q", tc.cmd, got, tc.want)
		}
	}
	lines := c.cmd("LISTSCRIPTS")
	if len(lines) != 3 || lines[1] != `"primary" ACTIVE` {
		t.Errorf("LISTSCRIPTS = %q", lines)
	}
	lines = c.cmd(`GETSCRIPT "primary"`)
	if len(lines) < 3 || lines[0] != fmt.Sprintf("{%d}", len(script)) {
		t.Errorf("GETSCRIPT = %q", lines)
	}
	if r := last(c.cmd("UNAUTHENTICATE")); !strings.HasPrefix(r, "OK") {
		t.Errorf("UNAUTHENTICATE = %q", r)
	}
	if r := last(c.cmd("LISTSCRIPTS")); !strings.HasPrefix(r, "NO") {
		t.Errorf("LISTSCRIPTS after UNAUTHENTICATE = %q, want NO", r)
	}
	if r := last(c.cmd("LOGOUT")); !strings.HasPrefix(r, "OK") {
		t.Errorf("LOGOUT = %q", r)
	}
}

func TestLimits(t *testing.T) {
	addr, _ := startServer(t, Options{AllowInsecureAuth: true, MaxLineLength: 64,
		MaxLiteralSize: 32, MaxAuthFailures: 2})
	t.Run("line", func(t *testing.T) {
		c := dial(t, addr)
		if r := last(c.cmd("NOOP " + strings.Repeat("x", 100))); !strings.HasPrefix(r, "BYE") {
			t.Errorf("long line = %q, want BYE", r)
		}
	})
	t.Run("literal", func(t *testing.T) {
		c := dial(t, addr)
		big := "CHECKSCRIPT {100+}\r\n" + strings.Repeat("#", 100)
		if r := last(c.cmd(big)); !strings.HasPrefix(r, "NO (QUOTA/MAXSIZE)") {
			t.Errorf("big literal = %q, want NO (QUOTA/MAXSIZE)", r)
		}
		if r := last(c.cmd("NOOP")); !strings.HasPrefix(r, "OK") {
			t.Errorf("NOOP after big literal = %q", r)
		}
	})
	t.Run("auth failures", func(t *testing.T) {
		c := dial(t, addr)
		bad := base64.StdEncoding.EncodeToString([]byte("\x00alice@example.org\x00x"))
		c.cmd(`AUTHENTICATE "PLAIN" "` + bad + `"`)
		lines := c.cmd(`AUTHENTICATE "PLAIN" "` + bad + `"`)
		if !strings.HasPrefix(last(lines), "NO") {
			t.Fatalf("second failure = %q", lines)
		}
		if l, _ := c.r.ReadString('\n'); !strings.HasPrefix(l, "BYE") {
			t.Errorf("after max failures = %q, want BYE", l)
		}
	})
	t.Run("quota", func(t *testing.T) {
		c := dial(t, addr)
		login(t, c)
		for i := 0; i < 3; i++ {
			c.cmd(fmt.Sprintf(`PUTSCRIPT "s%d" "keep;"`, i))
		}
		if r := last(c.cmd(`PUTSCRIPT "s9" "keep;"`)); !strings.HasPrefix(r,
			"NO (QUOTA/MAXSCRIPTS)") {
			t.Errorf("fourth script = %q, want QUOTA/MAXSCRIPTS", r)
		}
	})
}

func TestStartTLSRequired(t *testing.T) {
	addr, _ := startServer(t, Options{TLSConfig: selfSigned(t)})
	c := dial(t, addr)
	ir := base64.StdEncoding.EncodeToString([]byte("\x00alice@example.org\x00secret"))
	if r := last(c.cmd(`AUTHENTICATE "PLAIN" "` + ir + `"`)); !strings.HasPrefix(r,
		"NO (ENCRYPT-NEEDED)") {
		t.Fatalf("auth before TLS = %q", r)
	}
	if r := last(c.cmd("STARTTLS")); !strings.HasPrefix(r, "OK") {
		t.Fatalf("STARTTLS = %q", r)
	}
	tc := tls.Client(c.nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.nc = tc
	c.r = bufio.NewReader(tc)
	caps := c.until()
	if !strings.Contains(strings.Join(caps, "\n"), `"SASL" "PLAIN LOGIN"`) {
		t.Errorf("capabilities after TLS = %q", caps)
	}
	login(t, c)
}

func TestConnectionLimits(t *testing.T) {
	addr, _ := startServer(t, Options{AllowInsecureAuth: true, MaxConnections: 1,
		IdleTimeout: 300 * time.Millisecond})
	first := dial(t, addr)
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(nc).ReadString('\n')
	if !strings.HasPrefix(line, "BYE (TRYLATER)") {
		t.Errorf("second connection got %q, want BYE (TRYLATER)", line)
	}
	// The idle first connection is closed with BYE.
	l, err := first.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(l, "BYE") {
		t.Errorf("idle connection got %q, %v; want BYE", l, err)
	}
}

// TestOversizedLiteral sends a script literal over the limit: the answer
// is NO (QUOTA/MAXSIZE) (RFC 5804 sections 1.3 and 2.6) and the session
// goes on, in step with the client.
func TestOversizedLiteral(t *testing.T) {
	addr, _ := startServer(t, Options{AllowInsecureAuth: true, MaxLiteralSize: 1000})
	c := dial(t, addr)
	login(t, c)
	big := strings.Repeat("# filler line of a script that is far too long\r\n", 200)
	for _, form := range []string{"{%d+}", "{%d}"} {
		cmd := fmt.Sprintf("PUTSCRIPT \"big\" "+form+"\r\n%s", len(big), big)
		if r := last(c.cmd(cmd)); !strings.HasPrefix(r, "NO (QUOTA/MAXSIZE)") {
			t.Errorf("%s: %q, want NO (QUOTA/MAXSIZE)", form, r)
		}
		if r := last(c.cmd(`PUTSCRIPT "small" "keep;"`)); !strings.HasPrefix(r, "OK") {
			t.Fatalf("PUTSCRIPT after the refused one = %q", r)
		}
	}
	if lines := c.cmd("LISTSCRIPTS"); len(lines) != 2 || lines[0] != `"small"` {
		t.Errorf("LISTSCRIPTS = %q", lines)
	}
}
