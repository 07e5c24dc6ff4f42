package mailauth

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// DMARCStatus is a DMARC evaluation result (RFC 7489, section 11.2).
type DMARCStatus string

// DMARC results.
const (
	DMARCNone      DMARCStatus = "none"
	DMARCPass      DMARCStatus = "pass"
	DMARCFail      DMARCStatus = "fail"
	DMARCTempError DMARCStatus = "temperror"
	DMARCPermError DMARCStatus = "permerror"
)

// DMARCPolicy is a requested handling (RFC 7489, section 6.3, p= tag).
type DMARCPolicy string

// DMARC policies; also used as dispositions.
const (
	PolicyNone       DMARCPolicy = "none"
	PolicyQuarantine DMARCPolicy = "quarantine"
	PolicyReject     DMARCPolicy = "reject"
)

// DMARCRecord is a parsed DMARC policy record (RFC 7489, section 6.3).
type DMARCRecord struct {
	Policy          DMARCPolicy
	SubdomainPolicy DMARCPolicy // sp=; Policy when absent
	// NonExistentPolicy is np= (RFC 9091), for subdomains that do not
	// exist; SubdomainPolicy when absent.
	NonExistentPolicy DMARCPolicy
	StrictDKIM        bool     // adkim=s
	StrictSPF         bool     // aspf=s
	Percent           int      // pct=, default 100
	ReportAggregate   []string // rua= URIs
	ReportFailure     []string // ruf= URIs
	FailureOptions    string   // fo=, default "0"
	ReportInterval    int      // ri= seconds, default 86400
}

// ParseDMARCRecord parses a DMARC TXT record. v=DMARC1 must come first;
// unknown tags are ignored; a record with rua= but without a valid p= is
// read as p=none (RFC 7489, section 6.6.3).
func ParseDMARCRecord(txt string) (*DMARCRecord, error) {
	t, err := parseTagList(txt)
	if err != nil {
		return nil, err
	}
	if len(t.names) == 0 || t.names[0] != "v" || t.values["v"] != "DMARC1" {
		return nil, fmt.Errorf("not a DMARC1 record")
	}
	r := &DMARCRecord{Percent: 100, FailureOptions: "0", ReportInterval: 86400}
	r.ReportAggregate = splitURIs(t.values["rua"])
	r.ReportFailure = splitURIs(t.values["ruf"])
	p, ok := parsePolicy(t.values["p"])
	if !ok {
		if len(r.ReportAggregate) == 0 {
			return nil, fmt.Errorf("missing or bad p= tag")
		}
		p = PolicyNone
	}
	r.Policy, r.SubdomainPolicy = p, p
	if sp, ok := parsePolicy(t.values["sp"]); ok {
		r.SubdomainPolicy = sp
	}
	r.NonExistentPolicy = r.SubdomainPolicy
	if np, ok := parsePolicy(t.values["np"]); ok {
		r.NonExistentPolicy = np
	}
	r.StrictDKIM = strings.EqualFold(t.values["adkim"], "s")
	r.StrictSPF = strings.EqualFold(t.values["aspf"], "s")
	if s, ok := t.get("pct"); ok {
		n, err := strconv.Atoi(s)
		if err == nil && n >= 0 && n <= 100 {
			r.Percent = n
		}
	}
	if s, ok := t.get("fo"); ok {
		r.FailureOptions = s
	}
	if s, ok := t.get("ri"); ok {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			r.ReportInterval = n
		}
	}
	return r, nil
}

func parsePolicy(s string) (DMARCPolicy, bool) {
	switch p := DMARCPolicy(strings.ToLower(s)); p {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return p, true
	}
	return "", false
}

func splitURIs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// OrganizationalDomain returns the registered domain of name through the
// public suffix list (RFC 7489, section 3.2), or name itself when it is a
// public suffix or cannot be reduced.
func OrganizationalDomain(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	org, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return org
}

// aligned checks identifier alignment (RFC 7489, section 3.1).
func aligned(a, b string, strict bool) bool {
	a = strings.ToLower(strings.TrimSuffix(a, "."))
	b = strings.ToLower(strings.TrimSuffix(b, "."))
	if strict || a == b {
		return a == b
	}
	return OrganizationalDomain(a) == OrganizationalDomain(b)
}

// DMARCInput is what a DMARC evaluation needs.
type DMARCInput struct {
	// FromHeader is the message header; its From field gives the
	// RFC5322.From domain.
	FromHeader Header
	// SPF is the SPF check of the transaction (MAIL FROM identity).
	SPF SPFCheck
	// DKIM holds the DKIM results of the message.
	DKIM []DKIMResult
	// IP is the client address, recorded in the report row. Optional.
	IP netip.Addr
}

// DMARCResult is the outcome of a DMARC evaluation (RFC 7489, section 6.6).
type DMARCResult struct {
	Status DMARCStatus
	// FromDomain is the RFC5322.From domain; PolicyDomain the domain where
	// the record was found (the From domain or its organizational domain).
	FromDomain   string
	PolicyDomain string
	// Record is the policy record applied; nil when none was found.
	Record *DMARCRecord
	// SPFAligned and DKIMAligned say which mechanism produced an aligned
	// pass.
	SPFAligned  bool
	DKIMAligned bool
	// Policy is the policy requested for this message (p= or sp=), and
	// Disposition the one to apply after pct= sampling.
	Policy      DMARCPolicy
	Disposition DMARCPolicy
	// Problem explains a temperror or permerror.
	Problem string
	// Row is the aggregate report record of this message.
	Row ReportRecord
}
