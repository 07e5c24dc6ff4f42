package ldap_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

const (
	baseDN    = "dc=example,dc=org"
	adminDN   = "cn=admin,dc=example,dc=org"
	adminPW   = "admin-pw"
	schemaOID = "1.3.6.1.4.1.99999.1"
)

// testSchema adds UTF-8, case-exact addresses (mail is IA5 only), quota,
// roles and literal list members, and a marker class for lists.
const testSchema = `
attributetype ( ` + schemaOID + `.1 NAME 'bulwarkMail'
	EQUALITY caseExactMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( ` + schemaOID + `.2 NAME 'bulwarkQuota'
	EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( ` + schemaOID + `.3 NAME 'bulwarkRole'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( ` + schemaOID + `.4 NAME 'bulwarkMember'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
objectclass ( ` + schemaOID + `.10 NAME 'bulwarkAccount' AUXILIARY
	MAY ( uid $ displayName $ bulwarkMail $ bulwarkQuota $ bulwarkRole $ bulwarkMember ) )
objectclass ( ` + schemaOID + `.11 NAME 'bulwarkList' AUXILIARY )
`

const slapdConf = `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {{dir}}/bulwark.schema
pidfile {{dir}}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
moduleload pw-sha2
moduleload memberof
TLSCertificateFile {{dir}}/cert.pem
TLSCertificateKeyFile {{dir}}/key.pem
database mdb
maxsize 16777216
suffix "` + baseDN + `"
rootdn "` + adminDN + `"
rootpw ` + adminPW + `
directory {{dir}}/db
index objectClass,uid,bulwarkMail,associatedDomain,member eq
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`

// slapd is a running OpenLDAP server for one test binary.
type slapd struct {
	url, ldapsURL string
	roots         *x509.CertPool
}

// startSlapd runs slapd on loopback ports with a fresh mdb database in a
// temporary folder and stops it when the test ends. It skips when slapd
// is not installed, except in CI, where it fails.
func startSlapd(t testing.TB) *slapd {
	t.Helper()
	bin, err := exec.LookPath("slapd")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/slapd"); err2 == nil {
			bin = "/usr/sbin/slapd"
		} else if os.Getenv("CI") != "" {
			t.Fatalf("slapd is required in CI (Debian package slapd): %v", err)
		} else {
			t.Skipf("slapd not installed: %v", err)
		}
	}
	dir := t.TempDir()
	roots := writeCert(t, dir)
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := strings.ReplaceAll(slapdConf, "{{dir}}", dir)
	write(t, filepath.Join(dir, "slapd.conf"), conf)
	write(t, filepath.Join(dir, "bulwark.schema"), testSchema)
	port, tlsPort := freePort(t), freePort(t)
	s := &slapd{url: fmt.Sprintf("ldap://127.0.0.1:%d", port),
		ldapsURL: fmt.Sprintf("ldaps://127.0.0.1:%d", tlsPort), roots: roots}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-f", filepath.Join(dir, "slapd.conf"),
		"-h", s.url+"/ "+s.ldapsURL+"/", "-d", "0")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	s.waitReady(t, exited, &out)
	return s
}

// waitReady polls until slapd accepts a bind, for at most 15 seconds.
func (s *slapd) waitReady(t testing.TB, exited chan error, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("slapd exited: %v\n%s", err, out.String())
		default:
		}
		if c, err := ldap.DialURL(s.url); err == nil {
			err = c.Bind(adminDN, adminPW)
			c.Close()
			if err == nil {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("slapd did not start:\n%s", out.String())
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCert makes a self-signed certificate for 127.0.0.1 and returns a
// pool that trusts it.
func writeCert(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "cert.pem"),
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	write(t, filepath.Join(dir, "key.pem"),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func (s *slapd) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1"}
}
