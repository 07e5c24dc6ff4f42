package queue

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
)

// TLSReporter gives the TLS results of outbound sessions since its last
// call; *client.Deliverer is one.
type TLSReporter interface {
	TLSReport() []client.TLSResult
}

// TXTResolver looks up TXT records; mailauth.Resolver and
// client.Resolver satisfy it.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// TLSReportOptions configures SendTLSReports.
type TLSReportOptions struct {
	// Resolver finds the _smtp._tls record of each policy domain.
	Resolver TXTResolver
	// Organization names the submitter; default Options.Hostname.
	Organization string
	// From is the reports' author and reverse-path; default
	// "postmaster@" + Options.Hostname.
	From string
	// Start and End bound the reported period; default the day up to
	// now.
	Start, End time.Time
}

// SendTLSReports builds one aggregate report per policy domain from the
// results of r (RFC 8460, section 4) and queues it, gzip-compressed, to
// the mailto: addresses of the domain's _smtp._tls record (section 3 and
// 5.3). It returns how many reports were queued. Run it once a day.
func (q *Queue) SendTLSReports(ctx context.Context, r TLSReporter,
	o TLSReportOptions) (int, error) {
	if o.Organization == "" {
		o.Organization = q.opts.Hostname
	}
	if o.From == "" {
		o.From = "postmaster@" + q.opts.Hostname
	}
	if o.End.IsZero() {
		o.End = q.opts.Now()
	}
	if o.Start.IsZero() {
		o.Start = o.End.Add(-24 * time.Hour)
	}
	byDomain := map[string][]client.TLSResult{}
	var order []string
	for _, res := range r.TLSReport() {
		if _, ok := byDomain[res.Domain]; !ok {
			order = append(order, res.Domain)
		}
		byDomain[res.Domain] = append(byDomain[res.Domain], res)
	}
	sent := 0
	for _, d := range order {
		rua, err := reportAddresses(ctx, o.Resolver, d)
		if err != nil || len(rua) == 0 {
			continue
		}
		msg, err := q.tlsReportMessage(d, byDomain[d], o)
		if err != nil {
			return sent, err
		}
		env := Envelope{From: o.From, Recipients: reportRecipients(rua)}
		if _, err := q.Submit(ctx, env, bytes.NewReader(msg)); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// reportRecipients asks for no notifications about reports (RFC 8460,
// section 5.3 suggests no bounces loop back).
func reportRecipients(addrs []string) []RecipientSpec {
	out := make([]RecipientSpec, len(addrs))
	for i, a := range addrs {
		out[i] = RecipientSpec{Address: a, Notify: []string{"NEVER"}}
	}
	return out
}

// reportAddresses reads the mailto: addresses of the TLSRPTv1 record
// (RFC 8460, section 3).
func reportAddresses(ctx context.Context, r TXTResolver, domain string) ([]string, error) {
	if r == nil {
		return nil, nil
	}
	txts, err := r.LookupTXT(ctx, "_smtp._tls."+domain)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range txts {
		if !strings.HasPrefix(t, "v=TLSRPTv1") {
			continue
		}
		for _, f := range strings.Split(t, ";") {
			v, ok := strings.CutPrefix(strings.TrimSpace(f), "rua=")
			if !ok {
				continue
			}
			for _, u := range strings.Split(v, ",") {
				if a, ok := strings.CutPrefix(strings.TrimSpace(u), "mailto:"); ok &&
					strings.Contains(a, "@") {
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

// Report is the JSON of an aggregate TLS report (RFC 8460, section 4.4).
type Report struct {
	OrganizationName string `json:"organization-name"`
	DateRange        struct {
		Start time.Time `json:"start-datetime"`
		End   time.Time `json:"end-datetime"`
	} `json:"date-range"`
	ContactInfo string         `json:"contact-info"`
	ReportID    string         `json:"report-id"`
	Policies    []ReportPolicy `json:"policies"`
}

// ReportPolicy is one policy's results in a Report.
type ReportPolicy struct {
	Policy struct {
		Type   string   `json:"policy-type"`
		String []string `json:"policy-string,omitempty"`
		Domain string   `json:"policy-domain"`
		MXHost []string `json:"mx-host,omitempty"`
	} `json:"policy"`
	Summary struct {
		Success int `json:"total-successful-session-count"`
		Failure int `json:"total-failure-session-count"`
	} `json:"summary"`
	FailureDetails []FailureDetail `json:"failure-details,omitempty"`
}

// FailureDetail counts failed sessions of one kind with one host.
type FailureDetail struct {
	ResultType string `json:"result-type"`
	MXHostname string `json:"receiving-mx-hostname"`
	Count      int    `json:"failed-session-count"`
}

// buildReport fills the JSON report of one domain.
func buildReport(domain string, results []client.TLSResult, o TLSReportOptions, id string) Report {
	var rep Report
	rep.OrganizationName, rep.ContactInfo, rep.ReportID = o.Organization, o.From, id
	rep.DateRange.Start, rep.DateRange.End = o.Start.UTC(), o.End.UTC()
	for _, res := range results {
		var p ReportPolicy
		p.Policy.Type, p.Policy.Domain = res.PolicyType, domain
		if res.Policy != nil {
			p.Policy.String = []string{"version: STSv1", "mode: " + res.Policy.Mode}
			for _, mx := range res.Policy.MX {
				p.Policy.String = append(p.Policy.String, "mx: "+mx)
			}
			p.Policy.String = append(p.Policy.String,
				"max_age: "+strconv.Itoa(int(res.Policy.MaxAge/time.Second)))
			p.Policy.MXHost = res.Policy.MX
		}
		p.Summary.Success, p.Summary.Failure = res.Success, res.Failure
		for k, n := range res.Failures {
			typ, host, _ := strings.Cut(k, " ")
			p.FailureDetails = append(p.FailureDetails,
				FailureDetail{ResultType: typ, MXHostname: host, Count: n})
		}
		rep.Policies = append(rep.Policies, p)
	}
	return rep
}

// tlsReportMessage writes the report mail (RFC 8460, section 5.3).
func (q *Queue) tlsReportMessage(domain string, results []client.TLSResult,
	o TLSReportOptions) ([]byte, error) {
	id := newID()
	js, err := json.Marshal(buildReport(domain, results, o, id))
	if err != nil {
		return nil, fmt.Errorf("build TLS report: %w", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(js)
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("build TLS report: %w", err)
	}
	boundary := "=_" + newID()
	name := fmt.Sprintf("%s!%s!%d!%d!%s.json.gz", o.Organization, domain,
		o.Start.Unix(), o.End.Unix(), id)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <%s>\r\nTo: <%s>\r\n", o.From, "tlsrpt@"+domain)
	fmt.Fprintf(&b, "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n",
		domain, o.Organization, id)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <%s@%s>\r\n", q.opts.Now().Format(time.RFC1123Z),
		id, q.opts.Hostname)
	fmt.Fprintf(&b, "TLS-Report-Domain: %s\r\nTLS-Report-Submitter: %s\r\n", domain,
		o.Organization)
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/report; "+
		"report-type=\"tlsrpt\";\r\n\tboundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"+
		"This is an aggregate TLS report from %s.\r\n\r\n", boundary, o.Organization)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/tlsrpt+gzip\r\n"+
		"Content-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment;\r\n\tfilename=\"%s\"\r\n\r\n", boundary, name)
	enc := base64.StdEncoding.EncodeToString(gz.Bytes())
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	fmt.Fprintf(&b, "%s\r\n--%s--\r\n", enc, boundary)
	return b.Bytes(), nil
}
