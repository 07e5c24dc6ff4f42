package mailauth

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
)

// fromDomain extracts the RFC5322.From domain (RFC 7489, section 6.6.1).
// A message with no From, several From fields, or addresses in several
// domains has no usable From domain.
func fromDomain(h Header) (string, error) {
	froms := h.Get("From")
	if len(froms) != 1 {
		return "", fmt.Errorf("message has %d From fields", len(froms))
	}
	v := froms[0].Value()
	var domains []string
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			domains = append(domains, a.Address[strings.LastIndexByte(a.Address, '@')+1:])
		}
	} else {
		// A From field the strict parser refuses: take the last address.
		at := strings.LastIndexByte(v, '@')
		if at < 0 {
			return "", fmt.Errorf("From field has no address")
		}
		d := v[at+1:]
		if end := strings.IndexAny(d, "> \t,;"); end >= 0 {
			d = d[:end]
		}
		domains = append(domains, d)
	}
	d := strings.ToLower(strings.TrimSuffix(domains[0], "."))
	for _, o := range domains[1:] {
		if !strings.EqualFold(strings.TrimSuffix(o, "."), d) {
			return "", fmt.Errorf("From field names several domains")
		}
	}
	if d == "" || !strings.Contains(d, ".") {
		return "", fmt.Errorf("From domain %q is not valid", d)
	}
	return d, nil
}

// lookupDMARC finds the policy record for domain, trying the
// organizational domain next (RFC 7489, section 6.6.3). It returns the
// domain where the record was found.
func lookupDMARC(ctx context.Context, r Resolver, domain string) (*DMARCRecord, string,
	error) {
	rec, err := lookupDMARCAt(ctx, r, domain)
	if rec != nil || err != nil {
		return rec, domain, err
	}
	org := OrganizationalDomain(domain)
	if org == domain {
		return nil, "", nil
	}
	rec, err = lookupDMARCAt(ctx, r, org)
	return rec, org, err
}

func lookupDMARCAt(ctx context.Context, r Resolver, domain string) (*DMARCRecord, error) {
	txts, err := r.LookupTXT(ctx, "_dmarc."+domain)
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("lookup DMARC record of %s: %w", domain, err)
	}
	var recs []*DMARCRecord
	for _, t := range txts {
		if !strings.HasPrefix(strings.TrimLeft(t, " \t"), "v=DMARC1") {
			continue
		}
		if rec, err := ParseDMARCRecord(t); err == nil {
			recs = append(recs, rec)
		}
	}
	if len(recs) != 1 {
		// None, or several: policy discovery ends without a policy.
		return nil, nil
	}
	return recs[0], nil
}

// domainExists reports whether a name has A, AAAA or MX records, the test
// of RFC 9091, section 2.1. Lookup failures count as existing.
func domainExists(ctx context.Context, r Resolver, d string) bool {
	for _, network := range []string{"ip4", "ip6"} {
		if _, err := r.LookupNetIP(ctx, network, d); !IsNotFound(err) {
			return true
		}
	}
	_, err := r.LookupMX(ctx, d)
	return !IsNotFound(err)
}

// CheckDMARC evaluates the DMARC policy of a message's From domain against
// its SPF and DKIM results (RFC 7489, section 6.6).
func (v *Verifier) CheckDMARC(ctx context.Context, in DMARCInput) (res DMARCResult) {
	res = DMARCResult{Status: DMARCNone, Disposition: PolicyNone}
	defer func() {
		res.Row = reportRow(in, res)
		v.logger().Debug("dmarc checked", "from", res.FromDomain, "result", res.Status,
			"disposition", res.Disposition)
	}()
	d, err := fromDomain(in.FromHeader)
	if err != nil {
		res.Status, res.Problem = DMARCPermError, err.Error()
		return res
	}
	res.FromDomain = d
	rec, where, err := lookupDMARC(ctx, v.resolver(), d)
	if err != nil {
		res.Status, res.Problem = DMARCTempError, err.Error()
		return res
	}
	if rec == nil {
		return res
	}
	res.Record, res.PolicyDomain = rec, where
	res.SPFAligned = in.SPF.Result == SPFPass && aligned(in.SPF.Domain, d, rec.StrictSPF)
	for _, k := range in.DKIM {
		if k.Status == DKIMPass && aligned(k.Domain, d, rec.StrictDKIM) {
			res.DKIMAligned = true
		}
	}
	res.Policy = rec.Policy
	if where != d {
		res.Policy = rec.SubdomainPolicy
	}
	if res.SPFAligned || res.DKIMAligned {
		res.Status = DMARCPass
		return res
	}
	res.Status = DMARCFail
	if where != d && rec.NonExistentPolicy != rec.SubdomainPolicy &&
		!domainExists(ctx, v.resolver(), d) {
		res.Policy = rec.NonExistentPolicy
	}
	res.Disposition = res.Policy
	if !v.sample(rec.Percent) {
		// RFC 7489, section 6.6.4: outside the sample, the next lower
		// policy applies.
		switch res.Policy {
		case PolicyReject:
			res.Disposition = PolicyQuarantine
		case PolicyQuarantine:
			res.Disposition = PolicyNone
		}
	}
	return res
}

// reportRow builds the aggregate report record of one message.
func reportRow(in DMARCInput, res DMARCResult) ReportRecord {
	passFail := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "fail"
	}
	r := ReportRecord{
		Row: ReportRow{Count: 1, PolicyEvaluated: PolicyEvaluated{
			Disposition: string(res.Disposition),
			DKIM:        passFail(res.DKIMAligned),
			SPF:         passFail(res.SPFAligned),
		}},
		Identifiers: ReportIdentifiers{HeaderFrom: res.FromDomain,
			EnvelopeFrom: in.SPF.Domain},
	}
	if in.IP.IsValid() {
		r.Row.SourceIP = in.IP.String()
	}
	if res.Status == DMARCFail && res.Disposition != res.Policy {
		r.Row.PolicyEvaluated.Reasons = []OverrideReason{{Type: "sampled_out"}}
	}
	for _, k := range in.DKIM {
		r.AuthResults.DKIM = append(r.AuthResults.DKIM, ReportDKIM{Domain: k.Domain,
			Selector: k.Selector, Result: string(k.Status)})
	}
	r.AuthResults.SPF = []ReportSPF{{Domain: in.SPF.Domain, Scope: spfScope(in.SPF.Identity),
		Result: string(in.SPF.Result)}}
	if r.AuthResults.SPF[0].Result == "" {
		r.AuthResults.SPF[0].Result = string(SPFNone)
	}
	return r
}

// spfScope names an SPF identity as the aggregate report schema does
// (RFC 7489, appendix C: "helo" or "mfrom").
func spfScope(identity string) string {
	if identity == SPFIdentityMailFrom {
		return "mfrom"
	}
	return identity
}
