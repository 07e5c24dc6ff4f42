package queue

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/emersion/go-message"
	"github.com/foxcpp/go-mockdns"
)

type fixedReport []client.TLSResult

func (f fixedReport) TLSReport() []client.TLSResult { return f }

func TestSendTLSReports(t *testing.T) {
	e := newEnv(t, Options{Transport: &gate{}})
	pol := &client.Policy{Mode: "enforce", MX: []string{"*.example.net"}, MaxAge: time.Hour}
	results := fixedReport{
		{Domain: "example.net", PolicyType: "sts", Policy: pol, Success: 5, Failure: 1,
			Failures: map[string]int{"starttls-not-supported mx1.example.net": 1}},
		{Domain: "quiet.test", PolicyType: "no-policy-found", Success: 2},
	}
	r := &mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"_smtp._tls.example.net.": {TXT: []string{
			"v=TLSRPTv1; rua=mailto:tls@example.com,https://rep.example.net/x"}}}}
	end := e.clock.Now()
	n, err := e.q.SendTLSReports(context.Background(), results,
		TLSReportOptions{Resolver: r, Organization: "mx.example.com"})
	if err != nil || n != 1 {
		t.Fatalf("SendTLSReports = %d, %v; want one report", n, err)
	}
	waitFor(t, "report", func() bool { return len(e.local.got()) == 1 })
	got := e.local.got()[0]
	if got.rcpts[0] != "tls@example.com" || got.from != "postmaster@mx.example.com" {
		t.Fatalf("report envelope %q -> %v", got.from, got.rcpts)
	}
	ent, err := message.Read(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	if ent.Header.Get("TLS-Report-Domain") != "example.net" {
		t.Errorf("TLS-Report-Domain = %q", ent.Header.Get("TLS-Report-Domain"))
	}
	mt, params, _ := ent.Header.ContentType()
	if mt != "multipart/report" || params["report-type"] != "tlsrpt" {
		t.Errorf("Content-Type %s %v", mt, params)
	}
	mr := ent.MultipartReader()
	mr.NextPart()
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := p.Header.ContentType(); ct != "application/tlsrpt+gzip" {
		t.Fatalf("attachment type %s", ct)
	}
	zr, err := gzip.NewReader(p.Body)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.NewDecoder(zr).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Policies) != 1 || rep.Policies[0].Policy.Type != "sts" ||
		rep.Policies[0].Summary.Success != 5 || rep.Policies[0].Summary.Failure != 1 ||
		rep.Policies[0].FailureDetails[0].ResultType != "starttls-not-supported" ||
		!rep.DateRange.End.Equal(end) || rep.DateRange.Start != end.Add(-24*time.Hour) {
		t.Errorf("report %+v", rep)
	}
	if strings.Join(rep.Policies[0].Policy.String, "|") !=
		"version: STSv1|mode: enforce|mx: *.example.net|max_age: 3600" {
		t.Errorf("policy-string %q", rep.Policies[0].Policy.String)
	}
}

// TestReportJSONShape reads the RFC 8460 sample into Report and checks
// that the fields we write carry the sample's names.
func TestReportJSONShape(t *testing.T) {
	b, err := os.ReadFile("../../shared/testdata/dmarc/stalwart-mail-auth/tlsrpt/rpt01.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	p := rep.Policies[0]
	if rep.OrganizationName != "Company-X" || p.Policy.Type != "sts" ||
		p.Policy.Domain != "company-y.example" || p.Summary.Success != 5326 ||
		p.Summary.Failure != 303 || p.FailureDetails[0].Count != 100 ||
		p.FailureDetails[0].MXHostname != "mx1.mail.company-y.example" ||
		rep.DateRange.Start.IsZero() {
		t.Errorf("sample read as %+v", rep)
	}
}
