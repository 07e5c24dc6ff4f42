package mailauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// ARCStatus is the chain validation status (RFC 8617, section 4.4).
type ARCStatus string

// ARC chain validation statuses.
const (
	ARCNone ARCStatus = "none"
	ARCPass ARCStatus = "pass"
	ARCFail ARCStatus = "fail"
)

// ARCResult is the outcome of validating an Authenticated Received Chain.
type ARCResult struct {
	Status ARCStatus
	// Instance is the highest instance number of the chain, 0 when none.
	Instance int
	// Domain is the d= of the most recent ARC-Seal.
	Domain string
	// OldestPass is, for a passing chain, the oldest instance from which
	// every ARC-Message-Signature up to the newest still validates, or 0
	// when all of them do (RFC 8617, section 5.2 step 6). An instance
	// above 1 shows where the message was changed on its way.
	OldestPass int
	// Problem explains a fail.
	Problem string
}

// ARC header field names (RFC 8617, section 4.1).
const (
	arcSealName = "ARC-Seal"
	arcMsgName  = "ARC-Message-Signature"
	arcAuthName = "ARC-Authentication-Results"
)

// arcSet is one ARC set: the three fields sharing an instance number.
type arcSet struct {
	seal, msg, auth *Field
}

// arcInstance reads the i= tag from an ARC field value. For
// ARC-Authentication-Results it is the first element before ";".
func arcInstance(f Field) (int, error) {
	v := f.Value()
	var t tagList
	var err error
	if strings.EqualFold(f.Name, arcAuthName) {
		first, _, _ := strings.Cut(v, ";")
		t, err = parseTagList(first)
	} else {
		t, err = parseTagList(v)
	}
	if err != nil {
		return 0, err
	}
	s, ok := t.get("i")
	n, err := strconv.Atoi(s)
	if !ok || err != nil || n < 1 || n > 50 || strings.HasPrefix(s, "0") {
		return 0, fmt.Errorf("bad instance %q in %s", s, f.Name)
	}
	return n, nil
}

// collectARCSets groups the ARC fields of h by instance (RFC 8617,
// section 5.2 step 1-2). It returns nil sets when there are none.
func collectARCSets(h Header, max int) ([]arcSet, error) {
	byInst := make(map[int]*arcSet)
	high := 0
	for i := range h {
		f := &h[i]
		var slot func(*arcSet) **Field
		switch {
		case strings.EqualFold(f.Name, arcSealName):
			slot = func(s *arcSet) **Field { return &s.seal }
		case strings.EqualFold(f.Name, arcMsgName):
			slot = func(s *arcSet) **Field { return &s.msg }
		case strings.EqualFold(f.Name, arcAuthName):
			slot = func(s *arcSet) **Field { return &s.auth }
		default:
			continue
		}
		n, err := arcInstance(*f)
		if err != nil {
			return nil, err
		}
		if n > max {
			return nil, fmt.Errorf("chain longer than %d sets", max)
		}
		if byInst[n] == nil {
			byInst[n] = &arcSet{}
		}
		p := slot(byInst[n])
		if *p != nil {
			return nil, fmt.Errorf("instance %d has two %s fields", n, f.Name)
		}
		*p = f
		high = max2(high, n)
	}
	sets := make([]arcSet, high)
	for i := 1; i <= high; i++ {
		s := byInst[i]
		if s == nil || s.seal == nil || s.msg == nil || s.auth == nil {
			return nil, fmt.Errorf("ARC set %d is incomplete", i)
		}
		sets[i-1] = *s
	}
	return sets, nil
}

func max2(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// arcVerification validates a chain while the body streams by.
type arcVerification struct {
	v    *Verifier
	h    Header
	sets []arcSet
	// ams holds the ARC-Message-Signature of each instance, oldest first.
	ams []arcAMS
	// hashers are the distinct body hashes the signatures need.
	hashers []*bodyCanon
	res     ARCResult
}

// arcAMS is one parsed ARC-Message-Signature and the hash of the body
// it covers; err is set when it does not parse.
type arcAMS struct {
	sig   *dkimSig
	canon *bodyCanon
	err   error
}

func (v *Verifier) newARCVerification(ctx context.Context, h Header) *arcVerification {
	a := &arcVerification{v: v, h: h, res: ARCResult{Status: ARCNone}}
	sets, err := collectARCSets(h, orDefault(v.MaxARCSets, 50))
	if err != nil {
		a.res = ARCResult{Status: ARCFail, Problem: err.Error()}
		return a
	}
	if len(sets) == 0 {
		return a
	}
	a.res.Instance = len(sets)
	if err := checkSealStatuses(sets); err != nil {
		a.res.Status, a.res.Problem = ARCFail, err.Error()
		return a
	}
	a.parseSignatures(sets)
	if err := a.ams[len(sets)-1].err; err != nil {
		a.res.Status, a.res.Problem = ARCFail, "ARC-Message-Signature: "+err.Error()
		a.ams, a.hashers = nil, nil
		return a
	}
	a.sets = sets
	return a
}

// parseSignatures parses the ARC-Message-Signature of every set and
// prepares one body hash per distinct canonicalization and length.
func (a *arcVerification) parseSignatures(sets []arcSet) {
	type bodyForm struct {
		relaxed bool
		length  int64
	}
	byForm := map[bodyForm]*bodyCanon{}
	a.ams = make([]arcAMS, len(sets))
	for i, set := range sets {
		sig, err := parseDKIMSig(set.msg.Value(), true)
		if err != nil {
			a.ams[i].err = err
			continue
		}
		form := bodyForm{sig.bodyRelax, sig.length}
		c := byForm[form]
		if c == nil {
			c = newBodyCanon(sig.bodyRelax, sha256.New(), sig.length)
			byForm[form] = c
			a.hashers = append(a.hashers, c)
		}
		a.ams[i] = arcAMS{sig: sig, canon: c}
	}
}

// checkSealStatuses checks the cv= tags (RFC 8617, section 5.2 step 2-3).
func checkSealStatuses(sets []arcSet) error {
	for i, s := range sets {
		t, err := parseTagList(s.seal.Value())
		if err != nil {
			return fmt.Errorf("ARC-Seal %d: %w", i+1, err)
		}
		cv := strings.ToLower(t.values["cv"])
		want := "pass"
		if i == 0 {
			want = "none"
		}
		if cv == "fail" {
			return fmt.Errorf("ARC-Seal %d reports a failed chain", i+1)
		}
		if cv != want {
			return fmt.Errorf("ARC-Seal %d has cv=%s, want %s", i+1, cv, want)
		}
	}
	return nil
}

func (a *arcVerification) bodyHashers() []*bodyCanon { return a.hashers }

// finish validates the chain once the body is hashed (RFC 8617, section
// 5.2 steps 4-7): the newest ARC-Message-Signature, every ARC-Seal from
// the newest down, each sealing the sets up to its own, then the oldest
// instance from which every ARC-Message-Signature still validates.
func (a *arcVerification) finish(ctx context.Context) ARCResult {
	if len(a.sets) == 0 {
		return a.res
	}
	r := a.v.resolver()
	n := len(a.sets)
	if err := a.checkAMS(ctx, r, n); err != nil {
		a.res.Status, a.res.Problem = ARCFail, err.Error()
		return a.res
	}
	for i := n; i >= 1; i-- {
		d, err := verifySeal(ctx, r, a.sets, i)
		if i == n {
			a.res.Domain = d
		}
		if err != nil {
			a.res.Status, a.res.Problem = ARCFail, err.Error()
			return a.res
		}
	}
	a.res.Status = ARCPass
	a.res.OldestPass = a.oldestPass(ctx, r)
	a.v.logger().Debug("arc verified", "instance", n, "domain", a.res.Domain,
		"oldest_pass", a.res.OldestPass)
	return a.res
}

// oldestPass validates the older ARC-Message-Signatures from N-1 down
// and returns the instance after the first that fails, or 0 when all of
// them validate (RFC 8617, section 5.2 step 6).
func (a *arcVerification) oldestPass(ctx context.Context, r Resolver) int {
	for i := len(a.sets) - 1; i >= 1; i-- {
		if err := a.checkAMS(ctx, r, i); err != nil {
			a.v.logger().Debug("older ARC-Message-Signature failed", "instance", i,
				"err", err)
			return i + 1
		}
	}
	return 0
}

// checkAMS verifies the ARC-Message-Signature of instance i like a DKIM
// signature (RFC 8617, section 5.2 step 4; RFC 6376, section 6.1).
func (a *arcVerification) checkAMS(ctx context.Context, r Resolver, i int) error {
	m := a.ams[i-1]
	if m.err != nil {
		return fmt.Errorf("ARC-Message-Signature %d: %w", i, m.err)
	}
	s := m.sig
	if !bytes.Equal(m.canon.h.Sum(nil), s.bodyHash) {
		return fmt.Errorf("ARC-Message-Signature %d: body hash did not verify", i)
	}
	key, _, err := lookupDKIMKey(ctx, r, s)
	if err != nil {
		return fmt.Errorf("ARC-Message-Signature %d: %w", i, err)
	}
	data := signedHeaderData(a.h, s.headers, s.hdrRelaxed, a.sets[i-1].msg.Raw)
	if err := verifySignature(key, data, s.sig); err != nil {
		return fmt.Errorf("ARC-Message-Signature %d: %w", i, err)
	}
	return nil
}

// sealData builds the data an ARC-Seal of instance n signs
// (RFC 8617, section 5.1.1): the sets 1..n in order, relaxed, with the
// b= of seal n emptied and its final CRLF removed.
func sealData(sets []arcSet, n int) []byte {
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		s := sets[i]
		buf.Write(canonHeaderRelaxed(s.auth.Raw))
		buf.Write(canonHeaderRelaxed(s.msg.Raw))
		if i < n-1 {
			buf.Write(canonHeaderRelaxed(s.seal.Raw))
		}
	}
	seal := canonHeaderRelaxed(emptyBValue(sets[n-1].seal.Raw))
	buf.Write(bytes.TrimSuffix(seal, crlfBytes))
	return buf.Bytes()
}

// verifySeal checks the ARC-Seal of instance n and returns its d=.
func verifySeal(ctx context.Context, r Resolver, sets []arcSet, n int) (string, error) {
	t, err := parseTagList(sets[n-1].seal.Value())
	if err != nil {
		return "", fmt.Errorf("ARC-Seal %d: %w", n, err)
	}
	if _, ok := t.get("h"); ok {
		return t.values["d"], fmt.Errorf("ARC-Seal %d has an h= tag", n)
	}
	s := &dkimSig{tags: t, domain: strings.ToLower(t.values["d"]), selector: t.values["s"]}
	if err := s.parseAlgo(t.values["a"]); err != nil {
		return s.domain, fmt.Errorf("ARC-Seal %d: %w", n, err)
	}
	if s.sig, err = decodeB64(t.values["b"]); err != nil || s.domain == "" ||
		s.selector == "" {
		return s.domain, fmt.Errorf("ARC-Seal %d: bad b=, d= or s= tag", n)
	}
	key, _, err := lookupDKIMKey(ctx, r, s)
	if err != nil {
		return s.domain, fmt.Errorf("ARC-Seal %d: %w", n, err)
	}
	if err := verifySignature(key, sealData(sets, n), s.sig); err != nil {
		return s.domain, fmt.Errorf("ARC-Seal %d: %w", n, err)
	}
	return s.domain, nil
}
