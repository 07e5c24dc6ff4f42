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
	v     *Verifier
	h     Header
	sets  []arcSet
	ams   *dkimSig
	canon *bodyCanon
	res   ARCResult
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
	a.sets = sets
	a.res.Instance = len(sets)
	if err := checkSealStatuses(sets); err != nil {
		a.res.Status, a.res.Problem = ARCFail, err.Error()
		return a
	}
	a.ams, err = parseDKIMSig(sets[len(sets)-1].msg.Value(), true)
	if err != nil {
		a.res.Status, a.res.Problem = ARCFail, "ARC-Message-Signature: "+err.Error()
		return a
	}
	a.canon = newBodyCanon(a.ams.bodyRelax, sha256.New(), a.ams.length)
	return a
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

func (a *arcVerification) bodyHashers() []*bodyCanon {
	if a.canon == nil {
		return nil
	}
	return []*bodyCanon{a.canon}
}

// finish checks the newest ARC-Message-Signature and every ARC-Seal
// (RFC 8617, section 5.2 steps 4-6).
func (a *arcVerification) finish(ctx context.Context) ARCResult {
	if a.canon == nil {
		return a.res
	}
	r := a.v.resolver()
	if err := a.checkAMS(ctx, r); err != nil {
		a.res.Status, a.res.Problem = ARCFail, err.Error()
		return a.res
	}
	for i := len(a.sets); i >= 1; i-- {
		d, err := verifySeal(ctx, r, a.sets, i)
		if i == len(a.sets) {
			a.res.Domain = d
		}
		if err != nil {
			a.res.Status, a.res.Problem = ARCFail, err.Error()
			return a.res
		}
	}
	a.res.Status = ARCPass
	a.v.logger().Debug("arc verified", "instance", a.res.Instance, "domain", a.res.Domain)
	return a.res
}

func (a *arcVerification) checkAMS(ctx context.Context, r Resolver) error {
	s := a.ams
	if !bytes.Equal(a.canon.h.Sum(nil), s.bodyHash) {
		return fmt.Errorf("ARC-Message-Signature %d: body hash did not verify", len(a.sets))
	}
	key, _, err := lookupDKIMKey(ctx, r, s)
	if err != nil {
		return fmt.Errorf("ARC-Message-Signature %d: %w", len(a.sets), err)
	}
	last := a.sets[len(a.sets)-1].msg
	data := signedHeaderData(a.h, s.headers, s.hdrRelaxed, last.Raw)
	if err := verifySignature(key, data, s.sig); err != nil {
		return fmt.Errorf("ARC-Message-Signature %d: %w", len(a.sets), err)
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
