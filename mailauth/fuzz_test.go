package mailauth

import (
	"bufio"
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

// corpusLines returns the lines of the files matched by glob that match re.
func corpusLines(f *testing.F, glob string, re *regexp.Regexp) []string {
	f.Helper()
	files, _ := filepath.Glob(glob)
	var out []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if m := re.FindStringSubmatch(l); m != nil {
				out = append(out, m[len(m)-1])
			}
		}
	}
	if len(out) == 0 {
		f.Fatalf("no seeds from %s", glob)
	}
	return out
}

// signatureSeeds returns the unfolded DKIM and ARC signature values of the
// DKIM vectors.
func signatureSeeds(f *testing.F) []string {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join(dkimTestdata, "*/*/*.txt"))
	more, _ := filepath.Glob(filepath.Join(dkimTestdata, "*/*.msg"))
	var out []string
	for _, file := range append(files, more...) {
		data, _ := os.ReadFile(file)
		i := bytes.Index(data, []byte("\n\n"))
		if i >= 0 && bytes.Contains(data[:i], []byte("._domainkey")) {
			data = data[i+2:]
		}
		h, err := readHeader(bufio.NewReader(bytes.NewReader(data)), 1<<20)
		if err != nil {
			continue
		}
		for _, fl := range h {
			switch strings.ToLower(fl.Name) {
			case "dkim-signature", "arc-seal", "arc-message-signature":
				out = append(out, fl.Value())
			}
		}
	}
	if len(out) == 0 {
		f.Fatal("no signature seeds")
	}
	return out
}

func FuzzDKIMSignature(f *testing.F) {
	for _, s := range signatureSeeds(f) {
		f.Add(s)
	}
	f.Add("v=1; d=a; d=b")
	f.Fuzz(func(t *testing.T, s string) {
		tl, err := parseTagList(s)
		if err == nil && len(tl.names) != len(tl.values) {
			t.Fatalf("parseTagList(%q): %d names, %d values", s, len(tl.names), len(tl.values))
		}
		sig, err := parseDKIMSig(s, false)
		if err == nil && (sig.domain == "" || len(sig.headers) == 0) {
			t.Fatalf("parseDKIMSig(%q) accepted a signature without d= or h=", s)
		}
		parseDKIMSig(s, true)
		parseDKIMKey(s)
		emptyBValue([]byte("DKIM-Signature: " + s + "\r\n"))
	})
}

func FuzzDKIMKeyRecord(f *testing.F) {
	for _, s := range corpusLines(f, filepath.Join(dkimTestdata, "*/*.txt"),
		regexp.MustCompile(`^(v=DKIM1.*|k=rsa.*)$`)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseDKIMKey(s)
		if err == nil && k.pub == nil {
			t.Fatalf("parseDKIMKey(%q) returned no key", s)
		}
	})
}

func FuzzSPFRecord(f *testing.F) {
	re := regexp.MustCompile(`(?i)(?:SPF|TXT):\s*"?(v=spf1[^"]*)"?\s*$`)
	for _, s := range corpusLines(f, filepath.Join(spfTestdata, "*.yml"), re) {
		f.Add(s)
	}
	line := regexp.MustCompile(`^\s*spf: \S+ (v=spf1.*)$`)
	for _, s := range corpusLines(f, filepath.Join(spfTestdata, "stalwart-mail-auth/*.yml"), line) {
		f.Add(s)
	}
	zones := map[string]mockdns.Zone{
		"example.com.": {A: []string{"192.0.2.1"}, MX: nil},
	}
	f.Fuzz(func(t *testing.T, s string) {
		rec, err := parseSPF(s)
		if err != nil {
			return
		}
		zones := map[string]mockdns.Zone{"fuzz.example.": {TXT: []string{s}},
			"example.com.": zones["example.com."]}
		v := &Verifier{Resolver: &mockdns.Resolver{Zones: zones}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		got := v.CheckSPF(ctx, netip.MustParseAddr("192.0.2.1"), "h.example", "a@fuzz.example")
		if got.Result == "" || (len(rec.terms) == 0 && rec.redirect == "" &&
			got.Result != SPFNeutral) {
			t.Fatalf("CheckSPF for %q = %q", s, got.Result)
		}
	})
}

func FuzzDMARCRecord(f *testing.F) {
	for _, s := range []string{"v=DMARC1; p=reject", "v=DMARC1; p=none; rua=mailto:a@b.c",
		"v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; pct=50; fo=1; ri=3600",
		"v=DMARC1;p=reject;pct=101", "v=DMARC1; p=reject; p=none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseDMARCRecord(s)
		if err != nil {
			return
		}
		if r.Percent < 0 || r.Percent > 100 || r.Policy == "" || r.SubdomainPolicy == "" {
			t.Fatalf("ParseDMARCRecord(%q) = %+v", s, r)
		}
	})
}

func FuzzAuthResults(f *testing.F) {
	re := regexp.MustCompile(`^(?:ARC-)?Authentication-Results:\s*(.*)$`)
	for _, s := range corpusLines(f, filepath.Join(dkimTestdata, "*/*/*.txt"), re) {
		f.Add(s)
	}
	f.Add("mx.example.org 1; spf=pass (c (d)) smtp.mailfrom=\"a b\"@c; none")
	f.Fuzz(func(t *testing.T, s string) {
		id, res, err := ParseAuthResults(s)
		if err != nil {
			return
		}
		for _, r := range res {
			if r.Method == "" {
				t.Fatalf("ParseAuthResults(%q) gave an empty method (id %q)", s, id)
			}
		}
		RemoveForged(Header{{Name: AuthResultsField, Raw: []byte(AuthResultsField + ": " +
			s + "\r\n")}}, id)
	})
}

// FuzzVerify feeds whole messages through Verify without DNS answers.
func FuzzVerify(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(dkimTestdata, "stalwart-mail-auth/*/*.txt"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
			f.Add(data[i+2:])
		}
	}
	v := &Verifier{Resolver: &mockdns.Resolver{}, Now: fixedNow}
	f.Fuzz(func(t *testing.T, msg []byte) {
		res, err := v.Verify(context.Background(), bytes.NewReader(msg), SPFCheck{})
		if err != nil {
			return
		}
		for _, d := range res.DKIM {
			if d.Status == DKIMPass {
				t.Fatal("a signature passed without a key")
			}
		}
		v.AuthenticationResults(res)
	})
}

func FuzzAggregateReport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(reportDir, "*"))
	for _, file := range files {
		if strings.HasSuffix(file, ".xml") || strings.HasSuffix(file, ".eml") {
			data, _ := os.ReadFile(file)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if rep, err := ParseAggregateReport(bytes.NewReader(data)); err == nil {
			var buf bytes.Buffer
			if err := rep.WriteXML(&buf); err != nil {
				t.Fatalf("WriteXML: %v", err)
			}
		}
		ParseReportMessage(bytes.NewReader(data))
	})
}
