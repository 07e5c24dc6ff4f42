package mailauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

func TestParseDMARCRecord(t *testing.T) {
	tests := []struct {
		in      string
		want    DMARCRecord
		wantErr bool
	}{
		{"v=DMARC1; p=reject", DMARCRecord{Policy: PolicyReject, SubdomainPolicy: PolicyReject,
			Percent: 100}, false},
		{"v=DMARC1; p=quarantine; sp=none; adkim=s; aspf=s; pct=20", DMARCRecord{
			Policy: PolicyQuarantine, SubdomainPolicy: PolicyNone, StrictDKIM: true,
			StrictSPF: true, Percent: 20}, false},
		{"v=DMARC1; rua=mailto:r@example.com", DMARCRecord{Policy: PolicyNone,
			SubdomainPolicy: PolicyNone, Percent: 100}, false},
		{"v=DMARC1; p=bogus", DMARCRecord{}, true},
		{"p=reject; v=DMARC1", DMARCRecord{}, true},
		{"v=DMARC2; p=reject", DMARCRecord{}, true},
		{"v=DMARC1; p=reject; p=none", DMARCRecord{}, true},
	}
	for _, tc := range tests {
		got, err := ParseDMARCRecord(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseDMARCRecord(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.Policy != tc.want.Policy || got.SubdomainPolicy != tc.want.SubdomainPolicy ||
			got.StrictDKIM != tc.want.StrictDKIM || got.StrictSPF != tc.want.StrictSPF ||
			got.Percent != tc.want.Percent {
			t.Errorf("ParseDMARCRecord(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func fromHeader(from string) Header {
	h, _ := readHeader(bufioReader("From: "+from+"\r\nSubject: x\r\n\r\n"), 1<<20)
	return h
}

func TestCheckDMARC(t *testing.T) {
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; "+
		"rua=mailto:agg@example.com")
	addTXT(zones, "_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s")
	addTXT(zones, "_dmarc.half.example", "v=DMARC1; p=reject; pct=50")
	addTXT(zones, "_dmarc.own.example.com", "v=DMARC1; p=none")
	addTXT(zones, "_dmarc.np.example", "v=DMARC1; p=none; sp=quarantine; np=reject")
	zones["real.np.example."] = mockdns.Zone{MX: []net.MX{{Host: "mx.np.example.", Pref: 1}}}
	zones["_dmarc.broken.example."] = mockdns.Zone{Err: errTemp}
	spfPass := func(d string) SPFCheck {
		return SPFCheck{Result: SPFPass, Domain: d, Identity: SPFIdentityMailFrom}
	}
	dkimPass := func(d string) []DKIMResult { return []DKIMResult{{Status: DKIMPass, Domain: d}} }
	tests := []struct {
		name        string
		from        string
		spf         SPFCheck
		dkim        []DKIMResult
		sampled     bool
		want        DMARCStatus
		disposition DMARCPolicy
		policyAt    string
	}{
		{"spf aligned exactly", "a@example.com", spfPass("example.com"), nil, true,
			DMARCPass, PolicyNone, "example.com"},
		{"spf relaxed: subdomain of the From domain", "a@example.com",
			spfPass("bounce.example.com"), nil, true, DMARCPass, PolicyNone, "example.com"},
		{"dkim relaxed: parent domain", "a@mail.example.com", SPFCheck{}, dkimPass("example.com"),
			true, DMARCPass, PolicyNone, "example.com"},
		{"spf strict: subdomain does not align", "a@strict.example",
			spfPass("bounce.strict.example"), nil, true, DMARCFail, PolicyReject,
			"strict.example"},
		{"dkim strict: exact domain aligns", "a@strict.example", SPFCheck{},
			dkimPass("strict.example"), true, DMARCPass, PolicyNone, "strict.example"},
		{"dkim strict: subdomain does not align", "a@strict.example", SPFCheck{},
			dkimPass("sub.strict.example"), true, DMARCFail, PolicyReject, "strict.example"},
		{"unrelated domains fail", "a@example.com", spfPass("other.example"),
			dkimPass("other.example"), true, DMARCFail, PolicyReject, "example.com"},
		{"failed dkim does not count", "a@example.com", SPFCheck{Result: SPFFail,
			Domain: "example.com"}, []DKIMResult{{Status: DKIMFail, Domain: "example.com"}},
			true, DMARCFail, PolicyReject, "example.com"},
		{"subdomain takes sp=", "a@news.example.com", SPFCheck{}, nil, true, DMARCFail,
			PolicyQuarantine, "example.com"},
		{"subdomain with its own record takes its p=", "a@own.example.com", SPFCheck{}, nil,
			true, DMARCFail, PolicyNone, "own.example.com"},
		{"np= for a subdomain that does not exist", "a@ghost.np.example", SPFCheck{}, nil,
			true, DMARCFail, PolicyReject, "np.example"},
		{"sp= for a subdomain that exists", "a@real.np.example", SPFCheck{}, nil,
			true, DMARCFail, PolicyQuarantine, "np.example"},
		{"p= for the organizational domain itself", "a@np.example", SPFCheck{}, nil,
			true, DMARCFail, PolicyNone, "np.example"},
		{"pct: sampled in", "a@half.example", SPFCheck{}, nil, true, DMARCFail,
			PolicyReject, "half.example"},
		{"pct: sampled out goes one step lower", "a@half.example", SPFCheck{}, nil, false,
			DMARCFail, PolicyQuarantine, "half.example"},
		{"no record", "a@nodmarc.example", spfPass("nodmarc.example"), nil, true, DMARCNone,
			PolicyNone, ""},
		{"dns failure", "a@broken.example", SPFCheck{}, nil, true, DMARCTempError,
			PolicyNone, ""},
		{"two From addresses in two domains", "a@example.com, b@other.example", SPFCheck{},
			nil, true, DMARCPermError, PolicyNone, ""},
		{"display name with quoted @", `"x@evil.example" <a@example.com>`,
			spfPass("example.com"), nil, true, DMARCPass, PolicyNone, "example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(zones)
			v.Sample = func(int) bool { return tc.sampled }
			got := v.CheckDMARC(t.Context(), DMARCInput{FromHeader: fromHeader(tc.from),
				SPF: tc.spf, DKIM: tc.dkim})
			if got.Status != tc.want || got.Disposition != tc.disposition ||
				got.PolicyDomain != tc.policyAt {
				t.Errorf("CheckDMARC = %s/%s at %q (%s), want %s/%s at %q", got.Status,
					got.Disposition, got.PolicyDomain, got.Problem, tc.want, tc.disposition,
					tc.policyAt)
			}
		})
	}
	t.Run("two From fields", func(t *testing.T) {
		h, _ := readHeader(bufioReader("From: a@example.com\r\nFrom: b@example.com\r\n\r\n"), 1<<20)
		got := newVerifier(zones).CheckDMARC(t.Context(), DMARCInput{FromHeader: h})
		if got.Status != DMARCPermError {
			t.Errorf("CheckDMARC = %s, want permerror", got.Status)
		}
	})
}

func TestOrganizationalDomain(t *testing.T) {
	tests := map[string]string{
		"mail.example.com": "example.com", "example.com": "example.com",
		"a.b.example.co.uk": "example.co.uk", "co.uk": "co.uk", "EXAMPLE.ORG.": "example.org",
	}
	for in, want := range tests {
		if got := OrganizationalDomain(in); got != want {
			t.Errorf("OrganizationalDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAggregator(t *testing.T) {
	zones := map[string]mockdns.Zone{}
	addTXT(zones, "_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:agg@example.com")
	addTXT(zones, "_dmarc.quiet.example", "v=DMARC1; p=reject")
	v := newVerifier(zones)
	var g Aggregator
	for i, from := range []string{"a@example.com", "b@example.com", "c@example.com",
		"d@quiet.example"} {
		spf := SPFCheck{Result: SPFPass, Domain: "example.com", Identity: "mailfrom"}
		if i == 2 {
			spf.Result = SPFFail
		}
		spf.IP = mustAddr("192.0.2.1")
		g.Add(v.CheckDMARC(t.Context(), DMARCInput{FromHeader: fromHeader(from), SPF: spf,
			IP: spf.IP}))
	}
	reps := g.Flush(ReportMetadata{OrgName: "Bulwark", Email: "dmarc@bulwark.test"},
		time.Unix(1000, 0), time.Unix(2000, 0))
	if len(reps) != 1 || reps[0].Recipients[0] != "mailto:agg@example.com" {
		t.Fatalf("Flush = %+v, want one report to agg@example.com", reps)
	}
	rep := reps[0].Report
	if len(rep.Records) != 2 || rep.Records[0].Row.Count != 2 ||
		rep.Records[1].Row.PolicyEvaluated.Disposition != "reject" {
		t.Fatalf("records = %+v, want a pass row of 2 and a reject row", rep.Records)
	}
	var buf bytes.Buffer
	if err := rep.WriteXML(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ParseAggregateReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Policy.Domain != "example.com" || back.Records[0].Row.SourceIP != "192.0.2.1" ||
		back.Metadata.DateRange.End != 2000 {
		t.Errorf("round trip lost data: %+v", back)
	}
	if again := g.Flush(ReportMetadata{}, time.Now(), time.Now()); len(again) != 0 {
		t.Errorf("second Flush = %d reports, want 0", len(again))
	}
}

// TestParseAggregateReportSamples checks the sample reports against the
// JSON beside them, field by field.
func TestParseAggregateReportSamples(t *testing.T) {
	compareSamples(t, "00*.xml", func(t *testing.T, f *os.File) *AggregateReport {
		got, err := ParseAggregateReport(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f.Name()) == "004.xml" && (got.Metadata.Generator !=
			"Example DMARC Aggregate Reporter v1.2" || got.Policy.NP != "none" ||
			got.Policy.DiscoveryMethod != "treewalk") {
			t.Errorf("004.xml: generator, np or discovery_method lost: %+v", got)
		}
		return got
	})
}

// TestParseReportMessageSamples extracts the reports attached to the
// sample report e-mails (zip, gzip, xml) and checks them the same way.
func TestParseReportMessageSamples(t *testing.T) {
	compareSamples(t, "10*.eml", func(t *testing.T, f *os.File) *AggregateReport {
		got, err := ParseReportMessage(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d reports, want 1", len(got))
		}
		return got[0]
	})
}

const reportDir = "../../shared/testdata/dmarc/stalwart-mail-auth/dmarc-feedback"

func compareSamples(t *testing.T, glob string,
	parse func(*testing.T, *os.File) *AggregateReport) {
	files, _ := filepath.Glob(filepath.Join(reportDir, glob))
	if len(files) == 0 {
		t.Fatal("no samples")
	}
	type jsonReport struct {
		Metadata struct {
			OrgName   string                     `json:"org_name"`
			ReportID  string                     `json:"report_id"`
			DateRange struct{ Begin, End int64 } `json:"date_range"`
		} `json:"report_metadata"`
		Policy struct {
			Domain string `json:"domain"`
			P      string `json:"p"`
		} `json:"policy_published"`
		Record []struct {
			Row struct {
				SourceIP string `json:"source_ip"`
				Count    int    `json:"count"`
				Eval     struct {
					Disposition, DKIM, SPF string
				} `json:"policy_evaluated"`
			} `json:"row"`
			Identifiers struct {
				HeaderFrom string `json:"header_from"`
			} `json:"identifiers"`
			Auth struct {
				DKIM []struct{ Domain, Result string } `json:"dkim"`
				SPF  []struct{ Domain, Result string } `json:"spf"`
			} `json:"auth_results"`
		} `json:"record"`
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			x, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			got := parse(t, x)
			data, err := os.ReadFile(strings.TrimSuffix(f, filepath.Ext(f)) + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var want jsonReport
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			check := func(field, got, want string) {
				t.Helper()
				if !strings.EqualFold(got, want) {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("org_name", got.Metadata.OrgName, want.Metadata.OrgName)
			check("report_id", got.Metadata.ReportID, want.Metadata.ReportID)
			check("begin", fmt.Sprint(got.Metadata.DateRange.Begin),
				fmt.Sprint(want.Metadata.DateRange.Begin))
			check("domain", got.Policy.Domain, want.Policy.Domain)
			check("p", got.Policy.P, want.Policy.P)
			if len(got.Records) != len(want.Record) {
				t.Fatalf("%d records, want %d", len(got.Records), len(want.Record))
			}
			for i, w := range want.Record {
				g := got.Records[i]
				check("source_ip", g.Row.SourceIP, w.Row.SourceIP)
				check("count", fmt.Sprint(g.Row.Count), fmt.Sprint(w.Row.Count))
				check("disposition", g.Row.PolicyEvaluated.Disposition, w.Row.Eval.Disposition)
				check("dkim", g.Row.PolicyEvaluated.DKIM, w.Row.Eval.DKIM)
				check("spf", g.Row.PolicyEvaluated.SPF, w.Row.Eval.SPF)
				check("header_from", g.Identifiers.HeaderFrom, w.Identifiers.HeaderFrom)
				if len(g.AuthResults.DKIM) != len(w.Auth.DKIM) ||
					len(g.AuthResults.SPF) != len(w.Auth.SPF) {
					t.Fatalf("record %d auth results %+v, want %+v", i, g.AuthResults, w.Auth)
				}
				for j, d := range w.Auth.DKIM {
					check("dkim domain", g.AuthResults.DKIM[j].Domain, d.Domain)
					check("dkim result", g.AuthResults.DKIM[j].Result, d.Result)
				}
				for j, s := range w.Auth.SPF {
					check("spf domain", g.AuthResults.SPF[j].Domain, s.Domain)
					check("spf result", g.AuthResults.SPF[j].Result, s.Result)
				}
			}
		})
	}
}
