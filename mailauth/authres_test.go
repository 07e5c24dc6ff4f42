package mailauth

import (
	"io"
	"strings"
	"testing"

	"github.com/foxcpp/go-mockdns"
)

func TestParseAuthResults(t *testing.T) {
	tests := []struct {
		in      string
		id      string
		methods []string
		props   map[string]string
		wantErr bool
	}{
		{"mx.example.org; none", "mx.example.org", nil, nil, false},
		{"mx.example.org 1; spf=pass smtp.mailfrom=a@b.example", "mx.example.org",
			[]string{"spf=pass"}, map[string]string{"smtp.mailfrom": "a@b.example"}, false},
		{"example.com (comment (nested)); dkim=pass (good sig) header.d=example.com\r\n" +
			"\theader.b=abcd; dmarc=fail reason=\"no aligned id\" header.from=example.com",
			"example.com", []string{"dkim=pass", "dmarc=fail"},
			map[string]string{"header.d": "example.com", "header.b": "abcd"}, false},
		{`"quoted.example"; spf=none`, "quoted.example", []string{"spf=none"}, nil, false},
		{"mx.example.org", "mx.example.org", nil, nil, false},
		{"", "", nil, nil, true},
		{"mx.example.org; spf", "", nil, nil, true},
		{"mx.example.org; spf=pass foo", "", nil, nil, true},
		{"mx.example.org; spf=pass \"unterminated", "", nil, nil, true},
	}
	for _, tc := range tests {
		id, res, err := ParseAuthResults(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseAuthResults(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if id != tc.id || len(res) != len(tc.methods) {
			t.Errorf("ParseAuthResults(%q) = %q, %+v", tc.in, id, res)
			continue
		}
		for i, m := range tc.methods {
			if res[i].Method+"="+res[i].Result != m {
				t.Errorf("ParseAuthResults(%q)[%d] = %s=%s, want %s", tc.in, i, res[i].Method,
					res[i].Result, m)
			}
		}
		for k, v := range tc.props {
			found := false
			for _, r := range res {
				found = found || r.Props[k] == v
			}
			if !found {
				t.Errorf("ParseAuthResults(%q) lacks %s=%s", tc.in, k, v)
			}
		}
	}
}

func TestAuthenticationResultsField(t *testing.T) {
	v := &Verifier{Hostname: "mx.bulwark.test"}
	res := &Results{
		SPF: SPFCheck{Result: SPFPass, Identity: SPFIdentityMailFrom,
			Sender: "ivy@example.com", Domain: "example.com"},
		DKIM: []DKIMResult{{Status: DKIMPass, Domain: "example.com", Selector: "s1",
			HeaderB: "ab/dEF+H"}, {Status: DKIMFail, Domain: "other.example",
			Problem: `body hash "did" not verify`}},
		ARC:   ARCResult{Status: ARCPass, Instance: 1},
		DMARC: DMARCResult{Status: DMARCPass, Policy: PolicyReject, FromDomain: "example.com"},
	}
	field := v.AuthenticationResults(res)
	for _, line := range strings.Split(strings.TrimSuffix(field, "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
	}
	name, value, _ := strings.Cut(field, ":")
	if name != AuthResultsField || !strings.HasSuffix(field, "\r\n") {
		t.Fatalf("field = %q", field)
	}
	id, got, err := ParseAuthResults(strings.ReplaceAll(value, "\r\n", ""))
	if err != nil || id != "mx.bulwark.test" {
		t.Fatalf("ParseAuthResults(own field) = %q, %v", id, err)
	}
	want := []string{"spf=pass", "dkim=pass", "dkim=fail", "arc=pass", "dmarc=pass"}
	if len(got) != len(want) {
		t.Fatalf("parsed %d results from %q", len(got), field)
	}
	for i, w := range want {
		if got[i].Method+"="+got[i].Result != w {
			t.Errorf("result %d = %s=%s, want %s", i, got[i].Method, got[i].Result, w)
		}
	}
	if got[0].Props["smtp.mailfrom"] != "ivy@example.com" ||
		got[1].Props["header.b"] != "ab/dEF+H" ||
		got[2].Reason != `body hash "did" not verify` ||
		got[4].Props["header.from"] != "example.com" {
		t.Errorf("properties lost: %+v", got)
	}
	if empty := AuthResultsValue("mx.bulwark.test", &Results{}); empty != "mx.bulwark.test; none" {
		t.Errorf("no results = %q, want \"mx.bulwark.test; none\"", empty)
	}
}

func TestStripForged(t *testing.T) {
	msg := "Authentication-Results: MX.Bulwark.Test; spf=pass smtp.mailfrom=x@y.example\r\n" +
		"Authentication-Results: other.example; dkim=pass header.d=y.example\r\n" +
		"Authentication-Results: mx.bulwark.test (forged); dmarc=pass\r\n" +
		"Authentication-Results: mx.bulwark.test;;; broken\r\n" +
		"Received: from a by b\r\n" +
		"From: x@y.example\r\n" +
		"\r\n" +
		"Authentication-Results: mx.bulwark.test; in the body stays\r\n"
	r, n, err := StripForged(strings.NewReader(msg), "mx.bulwark.test", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	want := "Authentication-Results: other.example; dkim=pass header.d=y.example\r\n" +
		"Received: from a by b\r\n" +
		"From: x@y.example\r\n" +
		"\r\n" +
		"Authentication-Results: mx.bulwark.test; in the body stays\r\n"
	if n != 3 || string(out) != want {
		t.Errorf("StripForged removed %d:\n%s\nwant 3:\n%s", n, out, want)
	}
	h, _ := readHeader(bufioReader(msg), 1<<20)
	ids := HeaderAuthservIDs(h)
	if len(ids) != 4 || ids[0] != "MX.Bulwark.Test" || ids[1] != "other.example" {
		t.Errorf("HeaderAuthservIDs = %q", ids)
	}
	if _, _, err := StripForged(strings.NewReader(msg), "x", 50); err != ErrHeaderTooLarge {
		t.Errorf("StripForged over the limit = %v, want ErrHeaderTooLarge", err)
	}
}

// TestReceivingFlow runs what an inbound server does: SPF at MAIL FROM,
// then Verify after DATA, then the Authentication-Results field.
func TestReceivingFlow(t *testing.T) {
	key := newRSAKey(t)
	zones := map[string]mockdns.Zone{
		"example.com.": {TXT: []string{"v=spf1 ip4:192.0.2.0/24 -all"}},
	}
	addTXT(zones, "s1._domainkey.example.com", keyRecord(t, key))
	addTXT(zones, "_dmarc.example.com", "v=DMARC1; p=reject")
	v := newVerifier(zones)
	s := &Signer{Domain: "example.com", Selector: "s1", Key: key}
	sig, err := s.Sign(strings.NewReader(invoiceMsg))
	if err != nil {
		t.Fatal(err)
	}
	forged := "Authentication-Results: mx.bulwark.test; dmarc=pass\r\n"
	spf := v.CheckSPF(t.Context(), mustAddr("198.51.100.1"), "mx.example.com",
		"kai@example.com")
	if spf.Result != SPFFail {
		t.Fatalf("SPF = %s, want fail from an outside address", spf.Result)
	}
	clean, n, err := StripForged(strings.NewReader(forged+sig+invoiceMsg), v.Hostname, 1<<20)
	if err != nil || n != 1 {
		t.Fatalf("StripForged = %d, %v", n, err)
	}
	res, err := v.Verify(t.Context(), clean, spf)
	if err != nil {
		t.Fatal(err)
	}
	if res.DKIM[0].Status != DKIMPass || res.DMARC.Status != DMARCPass ||
		!res.DMARC.DKIMAligned || res.DMARC.SPFAligned {
		t.Fatalf("results = %+v", res)
	}
	ar := v.AuthenticationResults(res)
	for _, want := range []string{"mx.bulwark.test;", "spf=fail", "smtp.mailfrom=kai@example.com",
		"dkim=pass", "header.d=example.com", "dmarc=pass", "header.from=example.com"} {
		if !strings.Contains(ar, want) {
			t.Errorf("Authentication-Results lacks %q:\n%s", want, ar)
		}
	}
}
