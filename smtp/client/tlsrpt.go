package client

import (
	"sort"
	"sync"
)

// TLSResult counts the TLS outcomes of sessions towards one policy
// domain, the figures of an SMTP TLS report (RFC 8460, section 4.4).
type TLSResult struct {
	Domain string
	// PolicyType is "sts" for an MTA-STS policy, "tlsa" for DANE, else
	// "no-policy-found".
	PolicyType string
	// Policy is the MTA-STS policy applied, for "sts".
	Policy  *Policy
	Success int
	Failure int
	// Failures counts failed sessions by result type and receiving MX,
	// as "result-type host" (RFC 8460, section 4.3).
	Failures map[string]int
}

// tlsReports keeps TLSResult values in memory.
type tlsReports struct {
	mu sync.Mutex
	m  map[string]*TLSResult
}

// add records one session outcome; failure names a result type, ""
// for success.
func (r *tlsReports) add(domain string, s *session, failure, host string) {
	typ := reportType(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*TLSResult{}
	}
	key := typ + " " + domain
	res := r.m[key]
	if res == nil {
		res = &TLSResult{Domain: domain, PolicyType: typ, Failures: map[string]int{}}
		if typ == "sts" {
			res.Policy = s.policy
		}
		r.m[key] = res
	}
	if failure == "" {
		res.Success++
		return
	}
	res.Failure++
	res.Failures[failure+" "+host]++
}

// TLSReport returns the TLS results kept since the last call and resets
// them; a host sends them as RFC 8460 reports.
func (d *Deliverer) TLSReport() []TLSResult {
	d.rpt.mu.Lock()
	defer d.rpt.mu.Unlock()
	out := make([]TLSResult, 0, len(d.rpt.m))
	for _, r := range d.rpt.m {
		out = append(out, *r)
	}
	d.rpt.m = nil
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}
