package mailauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// dkimVerification verifies the DKIM-Signature fields of one message while
// its body streams by.
type dkimVerification struct {
	v    *Verifier
	h    Header
	sigs []*pendingSig
}

type pendingSig struct {
	field Field
	sig   *dkimSig
	res   DKIMResult
	canon *bodyCanon
}

func (v *Verifier) newDKIMVerification(ctx context.Context, h Header) *dkimVerification {
	d := &dkimVerification{v: v, h: h}
	max := orDefault(v.MaxSignatures, 10)
	for _, f := range h.Get("DKIM-Signature") {
		p := &pendingSig{field: f}
		d.sigs = append(d.sigs, p)
		if len(d.sigs) > max {
			p.res = DKIMResult{Status: DKIMPermError, Problem: "too many signatures"}
			continue
		}
		p.sig, p.res = d.parse(f)
		if p.sig != nil {
			p.canon = newBodyCanon(p.sig.bodyRelax, sha256.New(), p.sig.length)
		}
	}
	return d
}

// parse reads one signature and checks what can be checked before the
// body: syntax and expiry (RFC 6376, section 6.1.1).
func (d *dkimVerification) parse(f Field) (*dkimSig, DKIMResult) {
	value := f.Value()
	res := DKIMResult{Status: DKIMPermError}
	if t, err := parseTagList(value); err == nil {
		res.Domain, res.Selector = t.values["d"], t.values["s"]
		res.Algorithm = t.values["a"]
		res.HeaderB = headerB(t.values["b"])
	}
	sig, err := parseDKIMSig(value, false)
	if err != nil {
		res.Problem = err.Error()
		return nil, res
	}
	res.Identifier = sig.identifier
	if !sig.expires.IsZero() && d.v.now().After(sig.expires) {
		res.Problem = "signature expired"
		return nil, res
	}
	res.Status = DKIMNone
	return sig, res
}

// headerB returns the first 8 characters of a b= value (RFC 6008).
func headerB(b string) string {
	b = stripFWS(b)
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

func (d *dkimVerification) bodyHashers() []*bodyCanon {
	var out []*bodyCanon
	for _, p := range d.sigs {
		if p.canon != nil {
			out = append(out, p.canon)
		}
	}
	return out
}

// finish completes every verification once the body has been hashed.
func (d *dkimVerification) finish(ctx context.Context) []DKIMResult {
	out := make([]DKIMResult, 0, len(d.sigs))
	for _, p := range d.sigs {
		if p.sig != nil {
			p.res.Status, p.res.Problem = d.check(ctx, p)
			d.v.logger().Debug("dkim verified", "domain", p.res.Domain,
				"selector", p.res.Selector, "result", p.res.Status, "problem", p.res.Problem)
		}
		out = append(out, p.res)
	}
	return out
}

func (d *dkimVerification) check(ctx context.Context, p *pendingSig) (DKIMStatus, string) {
	s := p.sig
	if s.length >= 0 && p.canon.n < s.length {
		return DKIMPermError, "l= exceeds the body length"
	}
	key, status, err := lookupDKIMKey(ctx, d.v.resolver(), s)
	if err != nil {
		return status, err.Error()
	}
	if key.strict && !strings.EqualFold(identifierDomain(s.identifier), s.domain) {
		return DKIMPermError, "key requires i= domain to equal d="
	}
	if !bytes.Equal(p.canon.h.Sum(nil), s.bodyHash) {
		return DKIMFail, "body hash did not verify"
	}
	data := signedHeaderData(d.h, s.headers, s.hdrRelaxed, p.field.Raw)
	if err := verifySignature(key, data, s.sig); err != nil {
		return DKIMFail, err.Error()
	}
	return DKIMPass, ""
}

func identifierDomain(i string) string {
	return strings.TrimSuffix(i[strings.LastIndexByte(i, '@')+1:], ".")
}

// lookupDKIMKey fetches and checks the key of a signature
// (RFC 6376, section 3.6.2).
func lookupDKIMKey(ctx context.Context, r Resolver, s *dkimSig) (*dkimKey, DKIMStatus,
	error) {
	name := s.selector + "._domainkey." + s.domain
	txts, err := r.LookupTXT(ctx, name)
	if err != nil {
		if IsNotFound(err) {
			return nil, DKIMPermError, fmt.Errorf("no key for signature at %s", name)
		}
		return nil, DKIMTempError, fmt.Errorf("key lookup failed: %w", err)
	}
	if len(txts) == 0 {
		return nil, DKIMPermError, fmt.Errorf("no key for signature at %s", name)
	}
	key, err := parseDKIMKey(txts[0])
	if err != nil {
		return nil, DKIMPermError, fmt.Errorf("key %s: %w", name, err)
	}
	if key.keyType != s.keyType {
		return nil, DKIMPermError, fmt.Errorf("key type %s does not match a=%s",
			key.keyType, s.algo)
	}
	if key.hashes != nil && !slices.Contains(key.hashes, "sha256") {
		return nil, DKIMPermError, errors.New("key does not allow sha256")
	}
	return key, DKIMNone, nil
}

// signedHeaderData builds the header part of the signed data
// (RFC 6376, section 3.7): the fields named in h=, each taken from the
// bottom up, then the signature field with its b= value emptied and no
// final CRLF.
func signedHeaderData(h Header, names []string, relaxed bool, sigRaw []byte) []byte {
	var buf bytes.Buffer
	used := make(map[string]int)
	for _, n := range names {
		key := strings.ToLower(n)
		seen := 0
		for i := len(h) - 1; i >= 0; i-- {
			if !strings.EqualFold(h[i].Name, n) {
				continue
			}
			if seen == used[key] {
				buf.Write(canonHeader(h[i].Raw, relaxed))
				break
			}
			seen++
		}
		used[key]++
	}
	sig := canonHeader(emptyBValue(sigRaw), relaxed)
	buf.Write(bytes.TrimSuffix(sig, crlfBytes))
	return buf.Bytes()
}

// emptyBValue returns a raw signature field with the value of its b= tag
// removed, everything else (folding included) kept.
func emptyBValue(raw []byte) []byte {
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		return raw
	}
	pos := colon + 1
	for pos <= len(raw) {
		end := bytes.IndexByte(raw[pos:], ';')
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
		}
		spec := raw[pos:end]
		if eq := bytes.IndexByte(spec, '='); eq >= 0 {
			if string(bytes.Trim(spec[:eq], " \t\r\n")) == "b" {
				out := append([]byte(nil), raw[:pos+eq+1]...)
				rest := raw[end:]
				if end == len(raw) {
					// Keep the final line end of the field.
					rest = crlfBytes
				}
				return append(out, rest...)
			}
		}
		pos = end + 1
	}
	return raw
}

func verifySignature(key *dkimKey, data, sig []byte) error {
	digest := sha256.Sum256(data)
	switch pub := key.pub.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			return errors.New("signature did not verify")
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, digest[:], sig) {
			return errors.New("signature did not verify")
		}
	default:
		return errors.New("unsupported key")
	}
	return nil
}
