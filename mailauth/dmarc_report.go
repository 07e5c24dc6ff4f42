package mailauth

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// AggregateReport is a DMARC aggregate report (RFC 7489, appendix C). It
// marshals to and from the <feedback> XML document; element namespaces
// are ignored when reading, so both the RFC 7489 and the newer dmarc-2.0
// documents parse.
type AggregateReport struct {
	XMLName  xml.Name        `xml:"feedback"`
	Version  string          `xml:"version,omitempty"`
	Metadata ReportMetadata  `xml:"report_metadata"`
	Policy   PolicyPublished `xml:"policy_published"`
	Records  []ReportRecord  `xml:"record"`
}

// ReportMetadata identifies the reporter and the period of a report.
type ReportMetadata struct {
	OrgName          string    `xml:"org_name"`
	Email            string    `xml:"email"`
	ExtraContactInfo string    `xml:"extra_contact_info,omitempty"`
	ReportID         string    `xml:"report_id"`
	DateRange        DateRange `xml:"date_range"`
	Generator        string    `xml:"generator,omitempty"`
	Errors           []string  `xml:"error,omitempty"`
}

// DateRange is a report period in seconds since the Unix epoch.
type DateRange struct {
	Begin int64 `xml:"begin"`
	End   int64 `xml:"end"`
}

// PolicyPublished is the policy in force for the reported domain.
type PolicyPublished struct {
	Domain          string `xml:"domain"`
	ADKIM           string `xml:"adkim,omitempty"`
	ASPF            string `xml:"aspf,omitempty"`
	P               string `xml:"p"`
	SP              string `xml:"sp,omitempty"`
	NP              string `xml:"np,omitempty"`
	Pct             string `xml:"pct,omitempty"`
	FO              string `xml:"fo,omitempty"`
	Testing         string `xml:"testing,omitempty"`
	DiscoveryMethod string `xml:"discovery_method,omitempty"`
}

// ReportRecord is one row of an aggregate report: the outcome for a group
// of messages from one source with the same results.
type ReportRecord struct {
	Row         ReportRow         `xml:"row"`
	Identifiers ReportIdentifiers `xml:"identifiers"`
	AuthResults ReportAuthResults `xml:"auth_results"`
}

// ReportRow holds the source, the count and the evaluated policy.
type ReportRow struct {
	SourceIP        string          `xml:"source_ip"`
	Count           int             `xml:"count"`
	PolicyEvaluated PolicyEvaluated `xml:"policy_evaluated"`
}

// PolicyEvaluated is the disposition applied and the DMARC results of
// DKIM and SPF alignment ("pass" or "fail").
type PolicyEvaluated struct {
	Disposition string           `xml:"disposition"`
	DKIM        string           `xml:"dkim"`
	SPF         string           `xml:"spf"`
	Reasons     []OverrideReason `xml:"reason,omitempty"`
}

// OverrideReason explains a disposition differing from the policy.
type OverrideReason struct {
	Type    string `xml:"type"`
	Comment string `xml:"comment,omitempty"`
}

// ReportIdentifiers are the identities of the messages of a row.
type ReportIdentifiers struct {
	EnvelopeTo   string `xml:"envelope_to,omitempty"`
	EnvelopeFrom string `xml:"envelope_from,omitempty"`
	HeaderFrom   string `xml:"header_from"`
}

// ReportAuthResults are the raw DKIM and SPF results of a row.
type ReportAuthResults struct {
	DKIM []ReportDKIM `xml:"dkim,omitempty"`
	SPF  []ReportSPF  `xml:"spf"`
}

// ReportDKIM is one DKIM result in a report row.
type ReportDKIM struct {
	Domain   string `xml:"domain"`
	Selector string `xml:"selector,omitempty"`
	Result   string `xml:"result"`
}

// ReportSPF is one SPF result in a report row.
type ReportSPF struct {
	Domain string `xml:"domain"`
	Scope  string `xml:"scope,omitempty"`
	Result string `xml:"result"`
}

// ParseAggregateReport reads an aggregate report XML document.
func ParseAggregateReport(r io.Reader) (*AggregateReport, error) {
	var rep AggregateReport
	dec := xml.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("parse aggregate report: %w", err)
	}
	return &rep, nil
}

// WriteXML writes the report as an XML document.
func (a *AggregateReport) WriteXML(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(a); err != nil {
		return fmt.Errorf("write aggregate report: %w", err)
	}
	return nil
}

// reportKey groups identical rows.
func reportKey(r ReportRecord) string {
	c := r
	c.Row.Count = 0
	b, _ := xml.Marshal(c)
	return string(b)
}

// Aggregator collects the report rows of evaluated messages per policy
// domain until the host sends the reports. It is safe for concurrent use.
type Aggregator struct {
	mu      sync.Mutex
	domains map[string]*aggDomain
}

type aggDomain struct {
	policy PolicyPublished
	rua    []string
	rows   map[string]*ReportRecord
	order  []string
}

// Add records the outcome of one message. Results without a policy record
// or without rua= addresses are not kept.
func (g *Aggregator) Add(res DMARCResult) {
	if res.Record == nil || len(res.Record.ReportAggregate) == 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.domains == nil {
		g.domains = make(map[string]*aggDomain)
	}
	d := g.domains[res.PolicyDomain]
	if d == nil {
		d = &aggDomain{rows: make(map[string]*ReportRecord)}
		g.domains[res.PolicyDomain] = d
	}
	d.policy = publishedPolicy(res.PolicyDomain, res.Record)
	d.rua = res.Record.ReportAggregate
	k := reportKey(res.Row)
	if row, ok := d.rows[k]; ok {
		row.Row.Count++
		return
	}
	row := res.Row
	row.Row.Count = 1
	d.rows[k] = &row
	d.order = append(d.order, k)
}

func publishedPolicy(domain string, r *DMARCRecord) PolicyPublished {
	p := PolicyPublished{Domain: domain, ADKIM: "r", ASPF: "r", P: string(r.Policy),
		SP: string(r.SubdomainPolicy), NP: string(r.NonExistentPolicy),
		Pct: fmt.Sprint(r.Percent), FO: r.FailureOptions}
	if r.StrictDKIM {
		p.ADKIM = "s"
	}
	if r.StrictSPF {
		p.ASPF = "s"
	}
	return p
}

// PendingReport is an aggregate report ready to send to its rua= URIs.
type PendingReport struct {
	Recipients []string
	Report     *AggregateReport
}

// Flush returns one report per policy domain for the period [begin, end)
// and empties the aggregator. meta gives the reporter's identity; its
// date range and report id are filled in.
func (g *Aggregator) Flush(meta ReportMetadata, begin, end time.Time) []PendingReport {
	g.mu.Lock()
	domains := g.domains
	g.domains = nil
	g.mu.Unlock()
	names := make([]string, 0, len(domains))
	for n := range domains {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []PendingReport
	for _, n := range names {
		d := domains[n]
		m := meta
		m.DateRange = DateRange{Begin: begin.Unix(), End: end.Unix()}
		m.ReportID = fmt.Sprintf("%s.%d.%d", strings.ToLower(n), begin.Unix(), end.Unix())
		rep := &AggregateReport{Version: "1.0", Metadata: m, Policy: d.policy}
		for _, k := range d.order {
			rep.Records = append(rep.Records, *d.rows[k])
		}
		out = append(out, PendingReport{Recipients: d.rua, Report: rep})
	}
	return out
}
