package mailauth

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/foxcpp/go-mockdns"
)

func verifyMsg(t *testing.T, v *Verifier, msg []byte) *Results {
	t.Helper()
	res, err := v.Verify(context.Background(), bytes.NewReader(msg), SPFCheck{})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

func TestDKIMVectorsStalwart(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(dkimTestdata, "stalwart-mail-auth/dkim/*.txt"))
	if len(files) == 0 {
		t.Fatal("no vectors")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			zones, msg := loadVector(t, f)
			res := verifyMsg(t, newVerifier(zones), msg)
			if len(res.DKIM) == 0 {
				t.Fatal("no signature found")
			}
			for i, d := range res.DKIM {
				if d.Status != DKIMPass {
					t.Errorf("signature %d (d=%s s=%s) = %s (%s), want pass", i, d.Domain,
						d.Selector, d.Status, d.Problem)
				}
			}
		})
	}
}

func TestDKIMVectorsGoMsgauth(t *testing.T) {
	tests := []struct {
		file       string
		n          int
		domain, id string
	}{
		{"verify-rfc6376-brisbane-simple.txt", 1, "example.com", "joe@football.example.com"},
		{"verify-raw-rsa-newengland.txt", 1, "example.com", "joe@football.example.com"},
		{"sign-expected-example-org-simple.txt", 1, "example.org", "@example.org"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			zones, msg := loadVector(t, filepath.Join(dkimTestdata, "go-msgauth", tc.file))
			res := verifyMsg(t, newVerifier(zones), msg)
			if len(res.DKIM) != tc.n {
				t.Fatalf("got %d results, want %d", len(res.DKIM), tc.n)
			}
			d := res.DKIM[0]
			if d.Status != DKIMPass || d.Domain != tc.domain || d.Identifier != tc.id {
				t.Errorf("result = %+v, want pass d=%s i=%s", d, tc.domain, tc.id)
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		msg := toCRLF(readTestdata(t, "go-msgauth/unsigned-rfc6376.eml"))
		res := verifyMsg(t, newVerifier(nil), msg)
		if len(res.DKIM) != 0 {
			t.Errorf("got %d results for an unsigned message, want 0", len(res.DKIM))
		}
	})
}

func dkimpyZones(t *testing.T) map[string]mockdns.Zone {
	t.Helper()
	zones := map[string]mockdns.Zone{}
	parseRecords(zones, string(readTestdata(t, "dkimpy/dns-records.txt")))
	return zones
}

func TestDKIMVectorsDkimpy(t *testing.T) {
	tests := []struct {
		file string
		want []DKIMStatus
	}{
		{"rfc6376.signed.msg", []DKIMStatus{DKIMPass, DKIMPass}},
		{"test2.message", []DKIMStatus{DKIMPass}},
		{"ed25519test2.msg", []DKIMStatus{DKIMPass}},
		// The kitterman.com key is not published: no key is a permerror.
		{"message.mbox", []DKIMStatus{DKIMPermError}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			msg := toCRLF(readTestdata(t, "dkimpy/"+tc.file))
			res := verifyMsg(t, newVerifier(dkimpyZones(t)), msg)
			if len(res.DKIM) != len(tc.want) {
				t.Fatalf("got %d results, want %d", len(res.DKIM), len(tc.want))
			}
			for i, w := range tc.want {
				if res.DKIM[i].Status != w {
					t.Errorf("signature %d = %s (%s), want %s", i, res.DKIM[i].Status,
						res.DKIM[i].Problem, w)
				}
			}
		})
	}
}
