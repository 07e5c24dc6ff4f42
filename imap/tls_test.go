package imap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

func testTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestLoginNeedsTLS checks that LOGIN is refused in clear text by default
// and works after STARTTLS.
func TestLoginNeedsTLS(t *testing.T) {
	cfg := testTLSConfig(t)
	env := newEnv(t, []string{"tls@example.test"}, func(o *Options) {
		o.AllowInsecureAuth = false
		o.TLSConfig = cfg
	})
	c := env.dial()
	caps := strings.Join(c.ok("CAPABILITY"), " ")
	if !strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "STARTTLS") {
		t.Errorf("CAPABILITY = %s", caps)
	}
	if _, st := c.do("LOGIN tls@example.test " + testPass); !strings.HasPrefix(st, "NO [PRIVACYREQUIRED]") {
		t.Errorf("clear-text LOGIN = %q", st)
	}
	client, err := imapclient.DialStartTLS(env.addr, &imapclient.Options{
		TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	defer client.Close()
	if err := client.Login("tls@example.test", testPass).Wait(); err != nil {
		t.Fatalf("LOGIN after STARTTLS: %v", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	cfg := testTLSConfig(t)
	env := newEnv(t, []string{"tls2@example.test"}, func(o *Options) {
		o.AllowInsecureAuth = false
		o.TLSConfig = cfg
		o.ImplicitTLS = true
	})
	client, err := imapclient.DialTLS(env.addr, &imapclient.Options{
		TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatalf("DialTLS: %v", err)
	}
	defer client.Close()
	if err := client.Login("tls2@example.test", testPass).Wait(); err != nil {
		t.Fatalf("LOGIN over TLS: %v", err)
	}
	if _, err := client.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
}
