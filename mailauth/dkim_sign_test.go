package mailauth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/foxcpp/go-mockdns"
)

const signMsg = "From: Ivy Example <ivy@example.com>\r\n" +
	"To: Jay Example <jay@example.test>\r\n" +
	"Subject: signing long header lists\r\n" +
	"Date: Thu, 03 Dec 2026 20:00:00 +0000\r\n" +
	"Message-ID: <sig-0022@example.com>\r\n" +
	"X-Campaign-Tracking-Identifier-For-Regional-Reporting: q4-north\r\n" +
	"X-Another-Rather-Long-Header-Name-Used-For-Testing: yes\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"Body line one.\r\n" +
	"  Body   line two with  spaces   \r\n" +
	"\r\n\r\n"

// signAndCheck signs msg, then verifies the result with this package and
// with go-msgauth. It returns the field and a check for python3-dkim.
func signAndCheck(t *testing.T, s *Signer, msg string) (string, pyCheck) {
	t.Helper()
	field, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	signed := field + msg
	rec := keyRecord(t, s.Key)
	name := s.Selector + "._domainkey." + s.Domain
	zones := map[string]mockdns.Zone{}
	addTXT(zones, name, rec)
	res := verifyMsg(t, newVerifier(zones), []byte(signed))
	if len(res.DKIM) != 1 || res.DKIM[0].Status != DKIMPass {
		t.Fatalf("own verifier: %+v\n%s", res.DKIM, field)
	}
	opts := &dkim.VerifyOptions{LookupTXT: func(d string) ([]string, error) {
		if d == name {
			return []string{rec}, nil
		}
		return nil, fmt.Errorf("no record for %s", d)
	}}
	vs, err := dkim.VerifyWithOptions(strings.NewReader(signed), opts)
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("go-msgauth: %v %+v\n%s", err, vs, field)
	}
	return field, pyCheck{Label: t.Name(), Mode: "dkim", Msg: []byte(signed),
		Recs: map[string]string{name: rec}}
}

func TestSignVerifies(t *testing.T) {
	rsaKey := newRSAKey(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keys := map[string]crypto.Signer{"rsa": rsaKey, "ed25519": edKey}
	canons := []Canonicalization{CanonSimple, CanonRelaxed}
	var checks []pyCheck
	for kn, key := range keys {
		for _, hc := range canons {
			for _, bc := range canons {
				t.Run(fmt.Sprintf("%s/%s/%s", kn, hc, bc), func(t *testing.T) {
					s := &Signer{Domain: "example.com", Selector: "s2026", Key: key,
						HeaderCanon: hc, BodyCanon: bc, OverSign: true,
						Identifier: "ivy@example.com", Expiration: 0}
					field, py := signAndCheck(t, s, signMsg)
					checks = append(checks, py)
					if !strings.Contains(field, "c="+string(hc)+"/"+string(bc)+";") {
						t.Errorf("field lacks c=%s/%s: %s", hc, bc, field)
					}
				})
			}
		}
	}
	// The independent verifier must also see a tampered message fail.
	bad := checks[0]
	bad.Msg = []byte(strings.Replace(string(bad.Msg), "Body line one.", "Body line 1.", 1))
	if got := dkimpyRun(t, []pyCheck{bad}); got[0] == "ok" {
		t.Error("python3-dkim verified a tampered message")
	}
	dkimpyVerifyAll(t, checks)
}

func TestSignOverSigning(t *testing.T) {
	key := newRSAKey(t)
	s := &Signer{Domain: "example.com", Selector: "s1", Key: key, OverSign: true,
		Headers: []string{"From", "Subject", "Reply-To"}}
	field, _ := signAndCheck(t, s, signMsg)
	h := regexp.MustCompile(`h=([^;]*);`).FindStringSubmatch(field)
	got := stripFWS(h[1])
	if want := "From:From:Subject:Subject:Reply-To"; got != want {
		t.Errorf("h= %q, want %q", got, want)
	}
	// A second From or a Reply-To added in transit breaks the signature.
	added := []string{"From: mallory@evil.example\r\n", "Reply-To: x@evil.example\r\n"}
	for _, added := range added {
		zones := map[string]mockdns.Zone{}
		addTXT(zones, "s1._domainkey.example.com", keyRecord(t, key))
		res := verifyMsg(t, newVerifier(zones), []byte(field+added+signMsg))
		if res.DKIM[0].Status != DKIMFail {
			t.Errorf("adding %q: DKIM = %s, want fail", added, res.DKIM[0].Status)
		}
	}
}

// TestSignFoldingLongHeaderNames covers case 022: whatever the length of
// the signed header names, folds fall only between h= elements or tags,
// never inside a name, and every signature verifies.
func TestSignFoldingLongHeaderNames(t *testing.T) {
	key := newRSAKey(t)
	foldInName := regexp.MustCompile(`[A-Za-z0-9-]\r\n[ \t]+[A-Za-z0-9-]`)
	bareTag := regexp.MustCompile(`(^|[; ])[a-z]+=$`)
	var checks []pyCheck
	for n := 1; n <= 120; n++ {
		name := "X-" + strings.Repeat("A", n)
		if n < 3 {
			name = strings.Repeat("Z", n)
		}
		msg := name + ": value\r\n" + signMsg
		s := &Signer{Domain: "example.com", Selector: "s2026", Key: key,
			Headers: []string{"From", "To", "Subject", "Date", "Message-ID",
				"X-Campaign-Tracking-Identifier-For-Regional-Reporting",
				"X-Another-Rather-Long-Header-Name-Used-For-Testing", name,
				"MIME-Version", "Content-Type"}}
		field, py := signAndCheck(t, s, msg)
		checks = append(checks, py)
		hTag := field[strings.Index(field, " h="):strings.Index(field, " bh=")]
		if foldInName.MatchString(hTag) {
			t.Fatalf("length %d: fold inside a header name: %q", n, hTag)
		}
		for _, line := range strings.Split(field, "\r\n") {
			if len(line) > 998 {
				t.Fatalf("length %d: line of %d octets", n, len(line))
			}
			if bareTag.MatchString(line) {
				t.Fatalf("length %d: line ends right after a tag name: %q", n, line)
			}
		}
	}
	dkimpyVerifyAll(t, checks)
}

func TestSignNoFrom(t *testing.T) {
	msg := string(toCRLF(readTestdata(t, "dkimpy/test_nofrom.message")))
	s := &Signer{Domain: "example.com", Selector: "test", Key: newRSAKey(t)}
	if _, err := s.Sign(strings.NewReader(msg)); !errors.Is(err, ErrNoFrom) {
		t.Fatalf("Sign = %v, want ErrNoFrom", err)
	}
}

// TestDkimpyKeyRecords signs dkimpy's test message with its RSA key and
// verifies it against each of dkimpy's key records.
func TestDkimpyKeyRecords(t *testing.T) {
	key := rsaKeyFromPEM(t, readTestdata(t, "dkimpy/test.private"))
	msg := string(toCRLF(readTestdata(t, "dkimpy/test.message")))
	s := &Signer{Domain: "example.com", Selector: "test", Key: key}
	field, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		record string
		want   DKIMStatus
	}{
		{"test.txt", DKIMPass},
		{"test2.txt", DKIMPass},            // no k=: RSA implied
		{"badversion.txt", DKIMPermError},  // v=DKIM1: typo
		{"badk.txt", DKIMPermError},        // unknown key type
		{"test_bad.txt", DKIMPermError},    // altered key bytes no longer parse
		{"test_tlsrpt.txt", DKIMPermError}, // s=tlsrpt: not for email
	}
	for _, tc := range tests {
		t.Run(tc.record, func(t *testing.T) {
			zones := map[string]mockdns.Zone{}
			addTXT(zones, "test._domainkey.example.com",
				strings.TrimSpace(string(readTestdata(t, "dkimpy/"+tc.record))))
			res := verifyMsg(t, newVerifier(zones), []byte(field+msg))
			if res.DKIM[0].Status != tc.want {
				t.Errorf("DKIM = %s (%s), want %s", res.DKIM[0].Status, res.DKIM[0].Problem,
					tc.want)
			}
		})
	}
}

// TestSignMatchesGoMsgauthVector signs go-msgauth's input with its key and
// checks the body hash and the verification of both signatures.
func TestSignMatchesGoMsgauthVector(t *testing.T) {
	zones, signed := loadVector(t, dkimTestdata+"/go-msgauth/sign-expected-example-org-simple.txt")
	msg := string(signed[strings.Index(string(signed), "\r\nFrom:")+2:])
	key := rsaKeyFromPEM(t, readTestdata(t, "go-msgauth/keys/brisbane-rsa1024.pem"))
	s := &Signer{Domain: "example.org", Selector: "brisbane", Key: key,
		HeaderCanon: CanonSimple, BodyCanon: CanonSimple,
		Headers: []string{"From", "To", "Subject", "Date", "Message-ID"}}
	field, err := s.Sign(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stripFWS(field), "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;") {
		t.Errorf("body hash differs from go-msgauth's: %s", field)
	}
	res := verifyMsg(t, newVerifier(zones), []byte(field+string(signed)))
	for i, d := range res.DKIM {
		if d.Status != DKIMPass {
			t.Errorf("signature %d = %s (%s)", i, d.Status, d.Problem)
		}
	}
}

func TestSignEd25519RFC8032Key(t *testing.T) {
	key := ed25519FromSeed(t, string(readTestdata(t, "dkimpy/rfc8032_7_1.key")))
	want := "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
	if rec := keyRecord(t, key); !strings.HasSuffix(rec, want) {
		t.Fatalf("public key record %q, want p=%s", rec, want)
	}
	s := &Signer{Domain: "football.example.com", Selector: "brisbane", Key: key}
	msg := string(toCRLF(readTestdata(t, "dkimpy/rfc6376.msg")))
	_, py := signAndCheck(t, s, msg)
	dkimpyVerifyAll(t, []pyCheck{py})
}

func TestSignAll(t *testing.T) {
	rsaKey := newRSAKey(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	signers := []*Signer{
		{Domain: "example.com", Selector: "rsa", Key: rsaKey},
		{Domain: "example.com", Selector: "ed", Key: edKey, BodyCanon: CanonSimple},
	}
	fields, err := SignAll(strings.NewReader(signMsg), signers...)
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]mockdns.Zone{}
	recs := map[string]string{}
	for _, s := range signers {
		name := s.Selector + "._domainkey." + s.Domain
		addTXT(zones, name, keyRecord(t, s.Key))
		recs[name] = keyRecord(t, s.Key)
	}
	msg := []byte(fields + signMsg)
	res := verifyMsg(t, newVerifier(zones), msg)
	if len(res.DKIM) != 2 || res.DKIM[0].Selector != "rsa" || res.DKIM[0].Status != DKIMPass ||
		res.DKIM[1].Status != DKIMPass {
		t.Fatalf("DKIM = %+v, want two passes, rsa first", res.DKIM)
	}
	dkimpyVerifyAll(t, []pyCheck{{Label: "two signatures", Mode: "dkim", Msg: msg, Recs: recs}})
}

func TestSignerSettings(t *testing.T) {
	key := newRSAKey(t)
	bad := []*Signer{
		{Domain: "example.com", Selector: "s"},
		{Domain: "example.com", Key: key},
		{Domain: "example.com", Selector: "s", Key: key, Identifier: "a@other.example"},
		{Domain: "example.com", Selector: "s", Key: key, Identifier: "no-at-sign"},
	}
	for i, s := range bad {
		if _, err := s.Sign(strings.NewReader(signMsg)); err == nil {
			t.Errorf("signer %d: Sign succeeded, want a settings error", i)
		}
	}
	if _, err := SignAll(strings.NewReader(signMsg)); err == nil {
		t.Error("SignAll without signers succeeded")
	}
	s := &Signer{Domain: "example.com", Selector: "s", Key: key, MaxHeaderBytes: 64}
	if _, err := s.Sign(strings.NewReader(signMsg)); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("Sign over MaxHeaderBytes = %v, want ErrHeaderTooLarge", err)
	}
}

// TestSignFoldingLongValues extends case 022 to the other tags: a long
// selector, domain or identifier is moved whole to a new line, never cut.
func TestSignFoldingLongValues(t *testing.T) {
	key := newRSAKey(t)
	for n := 1; n <= 70; n += 3 {
		label := strings.Repeat("s", n)
		domain := strings.Repeat("d", n) + ".example"
		s := &Signer{Domain: domain, Selector: label, Key: key,
			Identifier: strings.Repeat("u", n) + "@" + domain}
		field, _ := signAndCheck(t, s, strings.Replace(signMsg, "@example.com", "@"+domain, 1))
		for _, want := range []string{"s=" + label + ";", "d=" + domain + ";",
			"i=" + s.Identifier + ";"} {
			if !strings.Contains(field, want) {
				t.Fatalf("length %d: %q cut by a fold:\n%s", n, want, field)
			}
		}
	}
}
