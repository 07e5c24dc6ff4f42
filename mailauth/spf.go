package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// SPFResult is the result of an SPF check (RFC 7208, section 2.6).
type SPFResult string

// SPF results, spelled as in Received-SPF and Authentication-Results.
const (
	SPFNone      SPFResult = "none"
	SPFNeutral   SPFResult = "neutral"
	SPFPass      SPFResult = "pass"
	SPFFail      SPFResult = "fail"
	SPFSoftFail  SPFResult = "softfail"
	SPFTempError SPFResult = "temperror"
	SPFPermError SPFResult = "permerror"
)

// SPF identities (RFC 7208, section 2.3 and 2.4).
const (
	SPFIdentityMailFrom = "mailfrom"
	SPFIdentityHELO     = "helo"
)

// SPFCheck is the outcome of one SPF evaluation.
type SPFCheck struct {
	Result SPFResult
	// Identity is SPFIdentityMailFrom or SPFIdentityHELO.
	Identity string
	// Domain is the domain whose policy was evaluated.
	Domain string
	// Sender is the identity checked: the reverse-path, or
	// postmaster@HELO when the reverse-path is null or the identity is HELO.
	Sender string
	// Explanation is the expanded exp= text for a fail, if any
	// (RFC 7208, section 6.2).
	Explanation string
	// Problem describes the cause of a temperror or permerror.
	Problem string
	// IP is the client address checked, HELO the name it gave.
	IP   netip.Addr
	HELO string
	// HELOCheck is the evaluation of the HELO identity made for the
	// session (RFC 7208, section 2.3), set by CheckSPF. A policy may act
	// on it; DMARC does not, it aligns on the MAIL FROM identity.
	HELOCheck *SPFCheck
}

// SPFQuery is the input of check_host() (RFC 7208, section 4.1).
type SPFQuery struct {
	IP     netip.Addr
	Domain string // the domain whose policy is evaluated
	Sender string // "local@domain"; a missing local part means postmaster
	HELO   string
}

// spfError carries a temperror or permerror out of the evaluation.
type spfError struct {
	result SPFResult
	msg    string
}

func (e *spfError) Error() string { return string(e.result) + ": " + e.msg }

func permErr(format string, a ...any) error {
	return &spfError{SPFPermError, fmt.Sprintf(format, a...)}
}

func tempErr(format string, a ...any) error {
	return &spfError{SPFTempError, fmt.Sprintf(format, a...)}
}

// spfEval holds the state of one check_host() evaluation, including its
// nested include and redirect evaluations.
type spfEval struct {
	r            Resolver
	ip           netip.Addr
	senderLocal  string
	senderDomain string
	helo         string
	hostname     string
	now          time.Time
	maxLookups   int
	maxVoids     int
	lookups      int
	voids        int
	// ptrNames memoizes the validated names of the client (nil: not yet
	// looked up), so that many %{p} macros cost one lookup.
	ptrNames *[]string
}

// CheckHost runs the check_host() function of RFC 7208, section 4.
func (v *Verifier) CheckHost(ctx context.Context, q SPFQuery) SPFCheck {
	e := &spfEval{
		r:          v.resolver(),
		ip:         q.IP.Unmap(),
		helo:       q.HELO,
		hostname:   v.Hostname,
		now:        v.now(),
		maxLookups: orDefault(v.SPFMaxLookups, 10),
		maxVoids:   orDefault(v.SPFMaxVoidLookups, 2),
	}
	e.senderLocal, e.senderDomain = splitSender(q.Sender, q.Domain)
	check := SPFCheck{IP: q.IP, HELO: q.HELO, Domain: q.Domain,
		Sender: e.senderLocal + "@" + e.senderDomain}
	res, expl, err := e.checkHost(ctx, strings.TrimSuffix(q.Domain, "."), 0)
	check.Result, check.Explanation = res, expl
	var se *spfError
	if errors.As(err, &se) {
		check.Result, check.Problem = se.result, se.msg
	}
	v.logger().Debug("spf checked", "domain", q.Domain, "ip", q.IP, "result", check.Result,
		"problem", check.Problem)
	return check
}

func splitSender(sender, domain string) (local, dom string) {
	i := strings.LastIndexByte(sender, '@')
	if i < 0 {
		return "postmaster", domain
	}
	local, dom = sender[:i], sender[i+1:]
	if local == "" {
		local = "postmaster"
	}
	return local, dom
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// validDomain checks the <domain> argument of check_host()
// (RFC 7208, section 4.3): multi-label, labels of 1 to 63 octets.
func validDomain(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	return true
}

// checkHost evaluates the policy of domain; depth counts nested include
// and redirect evaluations.
func (e *spfEval) checkHost(ctx context.Context, domain string, depth int) (SPFResult,
	string, error) {
	if !validDomain(domain) {
		return SPFNone, "", nil
	}
	rec, err := e.lookupRecord(ctx, domain)
	if err != nil || rec == nil {
		return SPFNone, "", err
	}
	for _, t := range rec.terms {
		match, err := e.matches(ctx, t, domain, depth)
		if err != nil {
			return "", "", err
		}
		if !match {
			continue
		}
		if t.qual == SPFFail && rec.exp != "" {
			return t.qual, e.explain(ctx, rec.exp, domain), nil
		}
		return t.qual, "", nil
	}
	if rec.redirect == "" {
		return SPFNeutral, "", nil
	}
	if err := e.count(); err != nil {
		return "", "", err
	}
	target, err := e.expandDomain(ctx, rec.redirect, domain)
	if err != nil {
		return "", "", err
	}
	res, expl, err := e.checkHost(ctx, target, depth+1)
	if err == nil && res == SPFNone {
		return "", "", permErr("redirect to %q found no record", target)
	}
	return res, expl, err
}

// lookupRecord finds the single SPF record of domain (RFC 7208, 4.4-4.5).
// A nil record without error means "none".
func (e *spfEval) lookupRecord(ctx context.Context, domain string) (*spfRecord, error) {
	txts, err := e.r.LookupTXT(ctx, domain)
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, tempErr("lookup TXT %s: %v", domain, err)
	}
	var found []string
	for _, t := range txts {
		if isSPFRecord(t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, permErr("%s has %d SPF records", domain, len(found))
	}
	rec, err := parseSPF(found[0])
	if err != nil {
		return nil, permErr("%s: %v", domain, err)
	}
	return rec, nil
}

// count charges one DNS-querying term against the limit
// (RFC 7208, section 4.6.4).
func (e *spfEval) count() error {
	e.lookups++
	if e.lookups > e.maxLookups {
		return permErr("more than %d DNS lookups", e.maxLookups)
	}
	return nil
}

// void charges a lookup that returned no answer (RFC 7208, section 4.6.4).
func (e *spfEval) void() error {
	e.voids++
	if e.voids > e.maxVoids {
		return permErr("more than %d void lookups", e.maxVoids)
	}
	return nil
}

// expandDomain expands a domain-spec and shortens it to 253 octets by
// dropping labels on the left (RFC 7208, section 7.3).
func (e *spfEval) expandDomain(ctx context.Context, spec, domain string) (string, error) {
	if spec == "" {
		return domain, nil
	}
	out, err := expandMacros(spec, false, e.macroValue(ctx, domain))
	if err != nil {
		return "", permErr("%v", err)
	}
	out = strings.TrimSuffix(out, ".")
	for len(out) > 253 {
		i := strings.IndexByte(out, '.')
		if i < 0 {
			break
		}
		out = out[i+1:]
	}
	return out, nil
}

// explain computes the explanation of a fail (RFC 7208, section 6.2).
// Any problem yields no explanation.
func (e *spfEval) explain(ctx context.Context, spec, domain string) string {
	target, err := e.expandDomain(ctx, spec, domain)
	if err != nil || !validDomain(target) {
		return ""
	}
	txts, err := e.r.LookupTXT(ctx, target)
	if err != nil || len(txts) != 1 {
		return ""
	}
	out, err := expandMacros(txts[0], true, e.macroValue(ctx, domain))
	if err != nil {
		return ""
	}
	return out
}
