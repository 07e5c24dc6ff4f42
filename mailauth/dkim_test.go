package mailauth

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/foxcpp/go-mockdns"
)

const invoiceMsg = "From: Kai Example <kai@example.com>\r\n" +
	"To: Lea Example <lea@example.test>\r\n" +
	"Subject: pay this invoice\r\n" +
	"Date: Thu, 03 Dec 2026 21:00:00 +0000\r\n" +
	"Message-ID: <dup-0023@example.com>\r\n" +
	"\r\n" +
	"Please pay.\r\n"

// rawSign signs msg with a DKIM-Signature made of exactly the given tags,
// without checking them: a test-only signer for malformed signatures.
func rawSign(t *testing.T, key crypto.Signer, tags [][2]string, msg string) string {
	t.Helper()
	h, err := readHeader(bufioReader(msg), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	body := newBodyCanon(true, sha256.New(), -1)
	if err := hashBody(bufioReader(msg[strings.Index(msg, "\r\n\r\n")+4:]),
		[]*bodyCanon{body}); err != nil {
		t.Fatal(err)
	}
	names := []string{"From", "To", "Subject", "Date", "Message-ID"}
	field, err := sealField(fieldSpec{name: "DKIM-Signature", tags: tags, headers: names,
		key: key, bodyHash: body.h.Sum(nil), relaxed: true,
		data: func(raw []byte) []byte { return signedHeaderData(h, names, true, raw) }})
	if err != nil {
		t.Fatal(err)
	}
	return field + msg
}

// TestDKIMDuplicateTags covers case 023: a tag given twice makes the
// whole signature a permerror, whichever key signed it, and DMARC does not
// count it as aligned.
func TestDKIMDuplicateTags(t *testing.T) {
	good, attacker := newRSAKey(t), newRSAKey(t)
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "s1._domainkey.example.com", keyRecord(t, good))
	addTXT(zones, "s1._domainkey.attacker.example", keyRecord(t, attacker))
	addTXT(zones, "_dmarc.example.com", "v=DMARC1; p=reject")
	tests := []struct {
		name string
		key  crypto.Signer
		tags [][2]string
	}{
		{"two d= tags", attacker, [][2]string{{"v", "1"}, {"a", "rsa-sha256"},
			{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"},
			{"d", "attacker.example"}}},
		{"two d= tags, signed by the first", good, [][2]string{{"v", "1"},
			{"a", "rsa-sha256"}, {"c", "relaxed/relaxed"}, {"d", "example.com"},
			{"s", "s1"}, {"d", "attacker.example"}}},
		{"v=1 twice", good, [][2]string{{"v", "1"}, {"v", "1"}, {"a", "rsa-sha256"},
			{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"}}},
		{"two h= through i=", good, [][2]string{{"v", "1"}, {"a", "rsa-sha256"},
			{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"},
			{"i", "@example.com"}, {"i", "@example.com"}}},
	}
	v := newVerifier(zones)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := rawSign(t, tc.key, tc.tags, invoiceMsg)
			res := verifyMsg(t, v, []byte(msg))
			if len(res.DKIM) != 1 || res.DKIM[0].Status != DKIMPermError {
				t.Fatalf("DKIM = %+v, want permerror", res.DKIM)
			}
			if res.DMARC.DKIMAligned || res.DMARC.Status != DMARCFail {
				t.Errorf("DMARC = %s aligned=%v, want fail without alignment",
					res.DMARC.Status, res.DMARC.DKIMAligned)
			}
			if ar := v.AuthenticationResults(res); !strings.Contains(ar, "dkim=permerror") {
				t.Errorf("Authentication-Results lacks dkim=permerror:\n%s", ar)
			}
		})
	}
	t.Run("control: one d= tag passes", func(t *testing.T) {
		msg := rawSign(t, good, [][2]string{{"v", "1"}, {"a", "rsa-sha256"},
			{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"}}, invoiceMsg)
		if res := verifyMsg(t, v, []byte(msg)); res.DKIM[0].Status != DKIMPass ||
			res.DMARC.Status != DMARCPass {
			t.Fatalf("DKIM = %+v, DMARC = %s, want pass", res.DKIM, res.DMARC.Status)
		}
	})
	t.Run("duplicate p= in key record", func(t *testing.T) {
		z := map[string]mockdns.Zone{}
		addTXT(z, "s1._domainkey.example.com", keyRecord(t, good)+"; p=AAAA")
		msg := rawSign(t, good, [][2]string{{"v", "1"}, {"a", "rsa-sha256"},
			{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"}}, invoiceMsg)
		if res := verifyMsg(t, newVerifier(z), []byte(msg)); res.DKIM[0].Status != DKIMPermError {
			t.Fatalf("DKIM = %+v, want permerror", res.DKIM)
		}
	})
}

func TestParseTagList(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr error
	}{
		{"v=1; a=rsa-sha256;", map[string]string{"v": "1", "a": "rsa-sha256"}, nil},
		{" v = 1 ;\r\n\ta=b c ", map[string]string{"v": "1", "a": "b c"}, nil},
		{"v=1; v=1", nil, ErrDuplicateTag},
		{"v=1; d=a; s=b; d=c", nil, ErrDuplicateTag},
		{"v=", map[string]string{"v": ""}, nil},
		{"1v=2", nil, errors.New("invalid")},
		{"novalue", nil, errors.New("no value")},
		{"a=b\x00c", nil, errors.New("invalid character")},
	}
	for _, tc := range tests {
		got, err := parseTagList(tc.in)
		if tc.wantErr != nil {
			if err == nil {
				t.Errorf("parseTagList(%q) = nil error, want %v", tc.in, tc.wantErr)
			} else if errors.Is(tc.wantErr, ErrDuplicateTag) && !errors.Is(err, ErrDuplicateTag) {
				t.Errorf("parseTagList(%q) = %v, want %v", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseTagList(%q) = %v", tc.in, err)
			continue
		}
		for k, v := range tc.want {
			if got.values[k] != v {
				t.Errorf("parseTagList(%q)[%s] = %q, want %q", tc.in, k, got.values[k], v)
			}
		}
	}
}

func TestDKIMSignatureChecks(t *testing.T) {
	key := newRSAKey(t)
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "s1._domainkey.example.com", keyRecord(t, key))
	base := [][2]string{{"v", "1"}, {"a", "rsa-sha256"}, {"c", "relaxed/relaxed"},
		{"d", "example.com"}, {"s", "s1"}}
	tests := []struct {
		name  string
		extra [][2]string
		want  DKIMStatus
	}{
		{"expired", [][2]string{{"t", "1600000000"}, {"x", "1600000100"}}, DKIMPermError},
		{"x before t", [][2]string{{"t", "1700000000"}, {"x", "1600000000"}}, DKIMPermError},
		{"i outside d", [][2]string{{"i", "a@other.example"}}, DKIMPermError},
		{"i in subdomain", [][2]string{{"i", "a@sub.example.com"}}, DKIMPass},
		{"l beyond body", [][2]string{{"l", "5000"}}, DKIMPermError},
		{"future expiry", [][2]string{{"x", "4000000000"}}, DKIMPass},
	}
	v := newVerifier(zones)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tags := append(append([][2]string(nil), base...), tc.extra...)
			msg := rawSign(t, key, tags, invoiceMsg)
			res := verifyMsg(t, v, []byte(msg))
			if res.DKIM[0].Status != tc.want {
				t.Errorf("DKIM = %s (%s), want %s", res.DKIM[0].Status, res.DKIM[0].Problem,
					tc.want)
			}
		})
	}
	t.Run("rsa-sha1 refused", func(t *testing.T) {
		msg := "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s1; h=From; bh=AA==; b=AA==\r\n" +
			invoiceMsg
		if res := verifyMsg(t, v, []byte(msg)); res.DKIM[0].Status != DKIMPermError {
			t.Errorf("DKIM = %s, want permerror", res.DKIM[0].Status)
		}
	})
	t.Run("key lookup temperror", func(t *testing.T) {
		z := map[string]mockdns.Zone{"s1._domainkey.example.com.": {Err: errTemp}}
		msg := rawSign(t, key, base, invoiceMsg)
		if res := verifyMsg(t, newVerifier(z), []byte(msg)); res.DKIM[0].Status != DKIMTempError {
			t.Errorf("DKIM = %s, want temperror", res.DKIM[0].Status)
		}
	})
}

// TestVerifyLimits crosses MaxSignatures and MaxHeaderBytes.
func TestVerifyLimits(t *testing.T) {
	key := newRSAKey(t)
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "s1._domainkey.example.com", keyRecord(t, key))
	msg := rawSign(t, key, [][2]string{{"v", "1"}, {"a", "rsa-sha256"},
		{"c", "relaxed/relaxed"}, {"d", "example.com"}, {"s", "s1"}}, invoiceMsg)
	sig := msg[:strings.Index(msg, "\r\nFrom:")+2]
	v := newVerifier(zones)
	v.MaxSignatures = 2
	res := verifyMsg(t, v, []byte(sig+sig+sig+invoiceMsg))
	if len(res.DKIM) != 3 || res.DKIM[2].Status != DKIMPermError ||
		res.DKIM[0].Status != DKIMPass {
		t.Errorf("DKIM = %+v, want pass, pass, permerror", res.DKIM)
	}
	v.MaxHeaderBytes = 100
	if _, err := v.Verify(t.Context(), strings.NewReader(msg), SPFCheck{}); !errors.Is(err,
		ErrHeaderTooLarge) {
		t.Errorf("Verify = %v, want ErrHeaderTooLarge", err)
	}
}

// TestDKIMOverWireDNS verifies through *net.Resolver and a go-mockdns
// server on the loopback interface: a 2048-bit key record is longer than
// one TXT character-string and comes back split.
func TestDKIMOverWireDNS(t *testing.T) {
	key := newRSAKey(t)
	rec := keyRecord(t, key)
	if len(rec) <= 255 {
		t.Fatalf("key record of %d octets does not need splitting", len(rec))
	}
	srv, err := mockdns.NewServerWithLogger(map[string]mockdns.Zone{
		"s1._domainkey.example.com.": {TXT: []string{rec}},
		"_dmarc.example.com.":        {TXT: []string{"v=DMARC1; p=reject"}},
	}, quietLog{}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := &Verifier{Resolver: NewCache(srv.NewResolver(), CacheOptions{})}
	s := &Signer{Domain: "example.com", Selector: "s1", Key: key}
	sig, err := s.Sign(strings.NewReader(invoiceMsg))
	if err != nil {
		t.Fatal(err)
	}
	res := verifyMsg(t, v, []byte(sig+invoiceMsg))
	if res.DKIM[0].Status != DKIMPass || res.DMARC.Status != DMARCPass {
		t.Fatalf("DKIM = %+v, DMARC = %s, want pass", res.DKIM, res.DMARC.Status)
	}
}
