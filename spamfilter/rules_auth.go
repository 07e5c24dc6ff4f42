package spamfilter

import "github.com/bulwarkmail/bulwark/mailauth"

// authRules reads the sender authentication results: SPF (RFC 7208,
// section 2.6), DKIM (RFC 6376 as reported by RFC 8601, section 2.7.1),
// DMARC (RFC 7489, section 6.6) and ARC (RFC 8617, section 4.4). Nil
// results mean the checks were not run, and nothing fires.
func (f *Filter) authRules(res *mailauth.Results, add func(string)) {
	if res == nil {
		return
	}
	switch res.SPF.Result {
	case mailauth.SPFPass:
		add(SymSPFPass)
	case mailauth.SPFFail:
		add(SymSPFFail)
	case mailauth.SPFSoftFail:
		add(SymSPFSoftFail)
	case mailauth.SPFNone, "":
		add(SymSPFNone)
	case mailauth.SPFPermError:
		add(SymSPFPermError)
	}
	if sym := dkimSymbol(res.DKIM); sym != "" {
		add(sym)
	}
	switch res.DMARC.Status {
	case mailauth.DMARCPass:
		add(SymDMARCPass)
	case mailauth.DMARCFail:
		if res.DMARC.Policy == mailauth.PolicyQuarantine ||
			res.DMARC.Policy == mailauth.PolicyReject {
			add(SymDMARCFail)
		} else {
			add(SymDMARCFailNA)
		}
	case mailauth.DMARCNone, "":
		add(SymDMARCNone)
	}
	switch res.ARC.Status {
	case mailauth.ARCPass:
		add(SymARCPass)
	case mailauth.ARCFail:
		add(SymARCFail)
	}
}

// dkimSymbol sums up the DKIM signatures: one that verified is a pass;
// signatures of which none verified (temporary errors aside) a fail.
func dkimSymbol(rs []mailauth.DKIMResult) string {
	failed, temp := false, false
	for _, r := range rs {
		switch r.Status {
		case mailauth.DKIMPass:
			return SymDKIMPass
		case mailauth.DKIMFail, mailauth.DKIMPermError, mailauth.DKIMPolicy,
			mailauth.DKIMNeutral:
			failed = true
		case mailauth.DKIMTempError:
			temp = true
		}
	}
	switch {
	case failed:
		return SymDKIMFail
	case temp:
		return ""
	}
	return SymDKIMNone
}
