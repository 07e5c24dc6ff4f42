package smtp_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// testPassword is every test user's password.
const testPassword = "correct horse"

// env is a running server with its directory and mail store.
type env struct {
	srv   *smtp.Server
	addr  string
	dir   *local.Directory
	store *mailstore.Store
	tls   *tls.Config // client side, trusting the test certificate
}

// setup starts a server over a fresh directory and memory mail store.
// Users: bob, eli and amy at example.test, alice at example.org (a local
// domain too); bob also has the alias "robert@example.test".
func setup(t testing.TB, configure func(o *smtp.Options)) *env {
	t.Helper()
	return setupEnv(t, func(o *smtp.Options, _ *env) {
		if configure != nil {
			configure(o)
		}
	})
}

// setupEnv is setup with a configure function that sees the directory
// and mail store.
func setupEnv(t testing.TB, configure func(o *smtp.Options, e *env)) *env {
	t.Helper()
	ctx := context.Background()
	dir, err := local.New(ctx, memory.New(), local.Options{Directory: directory.Options{
		Passwords: password.Options{Argon2: password.Argon2Params{Time: 1, Memory: 64, Threads: 1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string][]string{
		"bob@example.test":  {"bob@example.test", "robert@example.test"},
		"eli@example.test":  {"eli@example.test"},
		"amy@example.test":  {"amy@example.test"},
		"alice@example.org": {"alice@example.org"},
	}
	for name, emails := range users {
		p := directory.Principal{Name: name, Emails: emails, Roles: []string{"user"}}
		if err := dir.CreatePrincipal(ctx, p, testPassword); err != nil {
			t.Fatalf("CreatePrincipal(%s): %v", name, err)
		}
	}
	ms, err := mailstore.New(ctx, mailstore.Options{KV: memory.New(), Blobs: memory.NewBlobs()})
	if err != nil {
		t.Fatal(err)
	}
	for name := range users {
		if err := ms.CreateAccount(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	serverTLS, clientTLS := testTLS(t)
	o := smtp.Options{
		Hostname:  "mx.example.test",
		Directory: dir,
		Delivery:  &smtp.StoreDelivery{Store: ms},
		TLSConfig: serverTLS,
		TempDir:   t.TempDir(),
	}
	e := &env{dir: dir, store: ms, tls: clientTLS}
	configure(&o, e)
	srv, err := smtp.New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.addr = srv, serve(t, srv)
	return e
}

// serve runs srv on a loopback listener until the test ends.
func serve(t testing.TB, srv *smtp.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != smtp.ErrServerClosed {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// testTLS makes a self-signed certificate for 127.0.0.1 and localhost.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost", "mx.example.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der},
		PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}

// inbox returns the raw messages in account's inbox, oldest first.
func (e *env) inbox(t *testing.T, account string) []string {
	t.Helper()
	ctx := context.Background()
	mb, err := e.store.MailboxByName(ctx, account, "INBOX")
	if err != nil {
		t.Fatalf("MailboxByName(%s): %v", account, err)
	}
	entries, _, err := e.store.List(ctx, account, mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		rc, err := e.store.Open(ctx, account, en.EmailID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// client is a raw SMTP client that writes exact bytes.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

// dialGreeted connects and reads the greeting.
func dialGreeted(t *testing.T, addr string) *client {
	t.Helper()
	c := dial(t, addr)
	c.expect(220)
	return c
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// reply reads one (possibly multi-line) reply.
func (c *client) reply() (int, string) {
	c.t.Helper()
	var text []string
	for {
		line, err := c.br.ReadString('\n')
		if err != nil {
			c.t.Fatalf("read reply: %v (got %q)", err, text)
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 4 {
			c.t.Fatalf("short reply line %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			c.t.Fatalf("bad reply line %q", line)
		}
		text = append(text, line[4:])
		if line[3] == ' ' {
			return code, strings.Join(text, "\n")
		}
	}
}

// expect reads a reply and fails unless its code is want.
func (c *client) expect(want int) string {
	c.t.Helper()
	code, text := c.reply()
	if code != want {
		c.t.Fatalf("reply = %d %s, want %d", code, text, want)
	}
	return text
}

// cmd sends a command line and checks the reply code.
func (c *client) cmd(line string, want int) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.expect(want)
}

// closed reports whether the server closed the connection (after any
// pending replies are read).
func (c *client) closed() bool {
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.br.ReadByte()
	return err != nil
}

// hello sends EHLO and returns the extension lines.
func (c *client) hello() []string {
	c.t.Helper()
	text := c.cmd("EHLO client.example.com", 250)
	return strings.Split(text, "\n")[1:]
}

func loopback() netip.Addr { return netip.MustParseAddr("127.0.0.1") }

// message is a small valid message.
func message(subject string) string {
	return "From: dana@example.com\r\nTo: bob@example.test\r\nSubject: " + subject +
		"\r\n\r\nHello.\r\n"
}

// capture records what the Message hook sees.
type capture struct {
	mu   sync.Mutex
	envs []*smtp.Envelope
	sess []*smtp.Session
	msgs []string
}

func (c *capture) install(o *smtp.Options) {
	o.Hooks.Message = func(ctx context.Context, m *smtp.Message) error {
		b, err := io.ReadAll(m.Reader())
		if err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.envs = append(c.envs, m.Envelope)
		c.sess = append(c.sess, m.Session)
		c.msgs = append(c.msgs, string(b))
		return nil
	}
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.envs)
}

func (c *capture) last(t *testing.T) *smtp.Envelope {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.envs) == 0 {
		t.Fatal("no message reached the Message hook")
	}
	return c.envs[len(c.envs)-1]
}

// startTLS upgrades the connection with STARTTLS.
func (c *client) startTLS(e *env) {
	c.t.Helper()
	c.cmd("STARTTLS", 220)
	tc := tls.Client(c.c, e.tls)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.c, c.br = tc, bufio.NewReader(tc)
}
