package mailauth

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

const dkimTestdata = "../../shared/testdata/dkim"

// toCRLF turns LF line ends into CRLF.
func toCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// addTXT adds a TXT record to zones.
func addTXT(zones map[string]mockdns.Zone, name, txt string) {
	z := zones[dnsName(name)]
	z.TXT = append(z.TXT, txt)
	zones[dnsName(name)] = z
}

// parseRecords reads "<name> <TXT>" lines.
func parseRecords(zones map[string]mockdns.Zone, text string) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, txt, _ := strings.Cut(line, " ")
		addTXT(zones, name, strings.TrimSpace(txt))
	}
}

// loadVector reads a "DNS lines, empty line, message" file; the message
// is returned with CRLF line ends.
func loadVector(t *testing.T, path string) (map[string]mockdns.Zone, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read vector: %v", err)
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	recs, msg, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no empty line after the records", path)
	}
	zones := map[string]mockdns.Zone{}
	parseRecords(zones, string(recs))
	return zones, toCRLF(msg)
}

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dkimTestdata, rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return b
}

// fixedNow is the verification time the upstream DKIM vectors expect.
func fixedNow() time.Time { return time.Unix(1667843664, 0) }

func newVerifier(zones map[string]mockdns.Zone) *Verifier {
	return &Verifier{Resolver: &mockdns.Resolver{Zones: zones}, Hostname: "mx.bulwark.test",
		Now: fixedNow}
}

// rsaKeyFromPEM parses a PKCS#1 or PKCS#8 RSA private key.
func rsaKeyFromPEM(t *testing.T, data []byte) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	return k.(*rsa.PrivateKey)
}

// ed25519FromSeed reads a base64 seed.
func ed25519FromSeed(t *testing.T, b64 string) ed25519.PrivateKey {
	t.Helper()
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("bad seed: %v", err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// keyRecord returns the DKIM key record publishing key's public half.
func keyRecord(t *testing.T, key crypto.Signer) string {
	t.Helper()
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	}
	t.Fatalf("unsupported key %T", key)
	return ""
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// errTemp is a DNS failure that is not "not found".
var errTemp = &net.DNSError{Err: "server failure", Name: "x", IsTemporary: true}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
