package mailauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/foxcpp/go-mockdns"
)

// benchMessage is a typical message of about 4 KiB.
var benchMessage = signMsg + strings.Repeat("A line of an ordinary message body, "+
	"with  some   spacing.\r\n", 70)

func benchKeys(b *testing.B) map[string]crypto.Signer {
	b.Helper()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]crypto.Signer{"rsa2048": newRSAKey(b), "ed25519": ed}
}

func BenchmarkDKIMSign(b *testing.B) {
	for name, key := range benchKeys(b) {
		b.Run(name, func(b *testing.B) {
			s := &Signer{Domain: "example.com", Selector: "s1", Key: key}
			b.SetBytes(int64(len(benchMessage)))
			for b.Loop() {
				if _, err := s.Sign(strings.NewReader(benchMessage)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/go-msgauth", func(b *testing.B) {
			opts := &dkim.SignOptions{Domain: "example.com", Selector: "s1", Signer: key,
				HeaderCanonicalization: dkim.CanonicalizationRelaxed,
				BodyCanonicalization:   dkim.CanonicalizationRelaxed}
			b.SetBytes(int64(len(benchMessage)))
			for b.Loop() {
				var out bytes.Buffer
				if err := dkim.Sign(&out, strings.NewReader(benchMessage), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDKIMVerify(b *testing.B) {
	for name, key := range benchKeys(b) {
		s := &Signer{Domain: "example.com", Selector: "s1", Key: key}
		field, err := s.Sign(strings.NewReader(benchMessage))
		if err != nil {
			b.Fatal(err)
		}
		msg := []byte(field + benchMessage)
		rec := keyRecord(&testing.T{}, key)
		zones := map[string]mockdns.Zone{}
		addTXT(zones, "s1._domainkey.example.com", rec)
		b.Run(name, func(b *testing.B) {
			v := &Verifier{Resolver: &mockdns.Resolver{Zones: zones}}
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				res, err := v.Verify(context.Background(), bytes.NewReader(msg), SPFCheck{})
				if err != nil || res.DKIM[0].Status != DKIMPass {
					b.Fatalf("Verify: %v %+v", err, res)
				}
			}
		})
		b.Run(name+"/go-msgauth", func(b *testing.B) {
			opts := &dkim.VerifyOptions{LookupTXT: func(string) ([]string, error) {
				return []string{rec}, nil
			}}
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), opts)
				if err != nil || vs[0].Err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
