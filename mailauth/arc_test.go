package mailauth

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/foxcpp/go-mockdns"
)

// TestARCVectors validates the upstream chains; the Google one also with
// python3-dkim, which does not take the Ed25519 seal of 002.txt (RFC 8617
// defines rsa-sha256 only).
func TestARCVectors(t *testing.T) {
	for _, f := range []string{"001.txt", "002.txt"} {
		t.Run(f, func(t *testing.T) {
			zones, msg := loadVector(t, filepath.Join(dkimTestdata, "stalwart-mail-auth/arc", f))
			res := verifyMsg(t, newVerifier(zones), msg)
			if res.ARC.Status != ARCPass || res.ARC.OldestPass != 0 {
				t.Errorf("ARC = %s (%s), oldest pass %d; want pass, 0", res.ARC.Status,
					res.ARC.Problem, res.ARC.OldestPass)
			}
			pass := false
			for _, d := range res.DKIM {
				pass = pass || d.Status == DKIMPass
			}
			if !pass {
				t.Errorf("no DKIM signature passed: %+v", res.DKIM)
			}
			if f != "001.txt" {
				return
			}
			recs := map[string]string{}
			for name, z := range zones {
				recs[strings.TrimSuffix(name, ".")] = z.TXT[0]
			}
			py := arcpy(t, arcpyOp{Op: "verify", Msg: msg, Recs: recs})
			if py.CV != "pass" || pyOldestPass(py, res.ARC.Instance) != res.ARC.OldestPass {
				t.Errorf("python3-dkim: cv %s (%s), AMS %v", py.CV, py.Comment, py.AMS)
			}
		})
	}
}

const forwardedMsg = "From: Ann Example <ann@origin.example>\r\n" +
	"To: list@lists.example\r\n" +
	"Subject: forwarded through a list\r\n" +
	"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n" +
	"Message-ID: <fwd-1@origin.example>\r\n" +
	"\r\n" +
	"Original text.\r\n"

// TestARCSealAndForward signs a message at its origin, seals it at two
// forwarders that each alter the body, and checks that the final receiver
// sees DKIM fail, a passing ARC chain, and that a tampered chain fails.
func TestARCSealAndForward(t *testing.T) {
	origin := newRSAKey(t)
	// RFC 8617 defines only rsa-sha256 for ARC, and python3-dkim checks
	// the chain below, so both forwarders use RSA.
	fwd1 := newRSAKey(t)
	fwd2 := newRSAKey(t)
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "s1._domainkey.origin.example", keyRecord(t, origin))
	addTXT(zones, "arc._domainkey.lists.example", keyRecord(t, fwd1))
	addTXT(zones, "arc._domainkey.relay.example", keyRecord(t, fwd2))
	v := newVerifier(zones)

	sig, err := (&Signer{Domain: "origin.example", Selector: "s1", Key: origin,
		Now: fixedNow}).Sign(strings.NewReader(forwardedMsg))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	msg := []byte(sig + forwardedMsg)

	hops := []*Sealer{
		{Domain: "lists.example", Selector: "arc", Key: fwd1, Now: fixedNow},
		{Domain: "relay.example", Selector: "arc", Key: fwd2, Now: fixedNow},
	}
	for i, s := range hops {
		res := verifyMsg(t, v, msg)
		wantDKIM := DKIMPass
		if i > 0 {
			wantDKIM = DKIMFail
		}
		if res.DKIM[0].Status != wantDKIM || res.ARC.Instance != i {
			t.Fatalf("hop %d: DKIM = %s (%s), ARC instance %d", i, res.DKIM[0].Status,
				res.DKIM[0].Problem, res.ARC.Instance)
		}
		if i == 0 {
			// The list adds a footer, which breaks the origin's signature.
			msg = append(msg, "-- \r\nlist footer\r\n"...)
		}
		set, err := s.Seal(bytes.NewReader(msg), res.ARC, AuthResultsValue(s.Domain, res))
		if err != nil {
			t.Fatalf("hop %d: Seal: %v", i, err)
		}
		msg = append([]byte(set), msg...)
	}
	res := verifyMsg(t, v, msg)
	if res.ARC.Status != ARCPass || res.ARC.Instance != 2 || res.ARC.Domain != "relay.example" {
		t.Fatalf("ARC = %+v, want pass at instance 2 by relay.example", res.ARC)
	}
	if res.DKIM[0].Status != DKIMFail {
		t.Errorf("DKIM = %s, want fail after the footer", res.DKIM[0].Status)
	}
	if !strings.Contains(v.AuthenticationResults(res), "arc=pass") {
		t.Errorf("Authentication-Results lacks arc=pass: %s", v.AuthenticationResults(res))
	}

	t.Run("python3-dkim", func(t *testing.T) {
		recs := map[string]string{}
		for name, z := range zones {
			recs[strings.TrimSuffix(name, ".")] = z.TXT[0]
		}
		dkimpyVerifyAll(t, []pyCheck{{Label: "ARC chain", Mode: "arc", Msg: msg, Recs: recs}})
	})
	t.Run("tampered seal", func(t *testing.T) {
		bad := bytes.Replace(msg, []byte("cv=none"), []byte("cv=none "), 1)
		bad = bytes.Replace(bad, []byte("i=1; lists.example"), []byte("i=1; lists.exampl3"), 1)
		if r := verifyMsg(t, v, bad); r.ARC.Status != ARCFail {
			t.Errorf("ARC = %s, want fail for an altered ARC-Authentication-Results",
				r.ARC.Status)
		}
	})
	t.Run("duplicate tag in a seal", func(t *testing.T) {
		bad := bytes.Replace(msg, []byte("ARC-Seal: i=2;"), []byte("ARC-Seal: i=2; i=2;"), 1)
		if r := verifyMsg(t, v, bad); r.ARC.Status != ARCFail {
			t.Errorf("ARC = %s, want fail for a seal naming i= twice", r.ARC.Status)
		}
	})
	t.Run("changed after last seal", func(t *testing.T) {
		bad := append(bytes.Clone(msg), "tampered\r\n"...)
		if r := verifyMsg(t, v, bad); r.ARC.Status != ARCFail {
			t.Errorf("ARC = %s, want fail for a body changed after sealing", r.ARC.Status)
		}
	})
	t.Run("missing set", func(t *testing.T) {
		var h []string
		for _, l := range strings.SplitAfter(string(msg), "\r\n") {
			if strings.HasPrefix(l, "ARC-Seal: i=1") {
				continue
			}
			h = append(h, l)
		}
		r := verifyMsg(t, v, []byte(strings.Join(h, "")))
		if r.ARC.Status != ARCFail {
			t.Errorf("ARC = %s, want fail without ARC-Seal i=1", r.ARC.Status)
		}
	})
}

func TestARCSealRefusesFailedChain(t *testing.T) {
	key := newRSAKey(t)
	msg := "ARC-Seal: i=1; a=rsa-sha256; cv=fail; d=x.example; s=s; b=AAAA\r\n" +
		"ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA\r\n" +
		"ARC-Authentication-Results: i=1; x.example; none\r\n" + forwardedMsg
	s := &Sealer{Domain: "y.example", Selector: "s", Key: key}
	_, err := s.Seal(strings.NewReader(msg), ARCResult{Status: ARCFail}, "y.example; none")
	if !errors.Is(err, ErrChainFailed) {
		t.Fatalf("Seal = %v, want ErrChainFailed", err)
	}
}

func TestARCChainLimit(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 3; i++ {
		for _, n := range []string{"ARC-Seal", "ARC-Message-Signature"} {
			b.WriteString(n + ": i=" + string(rune('0'+i)) + "; a=rsa-sha256; cv=pass\r\n")
		}
		b.WriteString("ARC-Authentication-Results: i=" + string(rune('0'+i)) + "; x; none\r\n")
	}
	v := newVerifier(nil)
	v.MaxARCSets = 2
	res := verifyMsg(t, v, []byte(b.String()+forwardedMsg))
	if res.ARC.Status != ARCFail || !strings.Contains(res.ARC.Problem, "longer than 2") {
		t.Errorf("ARC = %+v, want fail for a chain over MaxARCSets", res.ARC)
	}
}

// rsaPool holds RSA keys made once per test binary: key generation is
// slow under the race detector.
var rsaPool struct {
	once [4]sync.Once
	keys [4]*rsa.PrivateKey
	next atomic.Uint32
}

// newRSAKey returns a 2048-bit key from the pool; consecutive calls give
// different keys.
func newRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	i := rsaPool.next.Add(1) % uint32(len(rsaPool.keys))
	rsaPool.once[i].Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaPool.keys[i] = k
	})
	return rsaPool.keys[i]
}

// TestARCOldestPass seals twice; the second forwarder changes the
// Subject, which the first ARC-Message-Signature covers, before sealing.
// The chain passes, and its oldest passing instance is 2.
func TestARCOldestPass(t *testing.T) {
	k1, k2 := newRSAKey(t), newRSAKey(t)
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "arc._domainkey.one.example", keyRecord(t, k1))
	addTXT(zones, "arc._domainkey.two.example", keyRecord(t, k2))
	v := newVerifier(zones)
	msg := []byte(forwardedMsg)
	for i, s := range []*Sealer{
		{Domain: "one.example", Selector: "arc", Key: k1, Now: fixedNow},
		{Domain: "two.example", Selector: "arc", Key: k2, Now: fixedNow},
	} {
		res := verifyMsg(t, v, msg)
		if i == 1 {
			msg = bytes.Replace(msg, []byte("Subject: forwarded"), []byte("Subject: [list] forwarded"), 1)
		}
		set, err := s.Seal(bytes.NewReader(msg), res.ARC, AuthResultsValue(s.Domain, res))
		if err != nil {
			t.Fatal(err)
		}
		msg = append([]byte(set), msg...)
	}
	res := verifyMsg(t, v, msg)
	if res.ARC.Status != ARCPass || res.ARC.OldestPass != 2 {
		t.Fatalf("ARC = %+v, want pass with oldest pass 2", res.ARC)
	}
	if ar := v.AuthenticationResults(res); !strings.Contains(ar, "header.oldest-pass=2") {
		t.Errorf("Authentication-Results lacks header.oldest-pass=2:\n%s", ar)
	}
	// Without the change every signature validates: nothing to report.
	res.ARC.OldestPass = 0
	if ar := v.AuthenticationResults(res); strings.Contains(ar, "oldest-pass") {
		t.Errorf("Authentication-Results reports an oldest pass of 0:\n%s", ar)
	}
}
