package mailauth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DKIMStatus is a DKIM verification result (RFC 8601, section 2.7.1).
type DKIMStatus string

// DKIM verification results.
const (
	DKIMNone      DKIMStatus = "none"
	DKIMPass      DKIMStatus = "pass"
	DKIMFail      DKIMStatus = "fail"
	DKIMPolicy    DKIMStatus = "policy"
	DKIMNeutral   DKIMStatus = "neutral"
	DKIMTempError DKIMStatus = "temperror"
	DKIMPermError DKIMStatus = "permerror"
)

// DKIMResult is the outcome for one DKIM-Signature field.
type DKIMResult struct {
	Status DKIMStatus
	// Domain is the d= tag (the SDID), Selector the s= tag.
	Domain   string
	Selector string
	// Identifier is the i= tag (the AUID), defaulting to "@" + Domain.
	Identifier string
	// Algorithm is the a= tag.
	Algorithm string
	// HeaderB is the start of the b= tag, used to tell signatures apart
	// in Authentication-Results (RFC 6008).
	HeaderB string
	// Problem explains a status other than pass.
	Problem string
}

// Canonicalization names a DKIM canonicalization algorithm
// (RFC 6376, section 3.4).
type Canonicalization string

// Canonicalization algorithms.
const (
	CanonSimple  Canonicalization = "simple"
	CanonRelaxed Canonicalization = "relaxed"
)

// dkimSig is a parsed DKIM-Signature or ARC-Message-Signature field.
type dkimSig struct {
	tags       tagList
	algo       string // rsa-sha256 or ed25519-sha256
	keyType    string // rsa or ed25519
	sig        []byte
	bodyHash   []byte
	domain     string
	selector   string
	identifier string
	headers    []string
	hdrRelaxed bool
	bodyRelax  bool
	length     int64 // -1 when no l=
	signed     time.Time
	expires    time.Time
}

// parseDKIMSig parses and checks a signature tag-list
// (RFC 6376, section 3.5). arc selects the ARC-Message-Signature rules
// (RFC 8617, section 4.1.2): i= is the instance and v= is absent.
func parseDKIMSig(value string, arc bool) (*dkimSig, error) {
	t, err := parseTagList(value)
	if err != nil {
		return nil, err
	}
	required := []string{"a", "b", "bh", "d", "h", "s"}
	if !arc {
		required = append(required, "v")
	}
	for _, n := range required {
		if _, ok := t.get(n); !ok {
			return nil, fmt.Errorf("missing %s= tag", n)
		}
	}
	s := &dkimSig{tags: t, length: -1}
	if v, ok := t.get("v"); ok && !arc && v != "1" {
		return nil, fmt.Errorf("unsupported version %q", v)
	}
	if err := s.parseAlgo(t.values["a"]); err != nil {
		return nil, err
	}
	if s.sig, err = decodeB64(t.values["b"]); err != nil {
		return nil, fmt.Errorf("bad b= tag: %w", err)
	}
	if s.bodyHash, err = decodeB64(t.values["bh"]); err != nil {
		return nil, fmt.Errorf("bad bh= tag: %w", err)
	}
	s.domain = strings.ToLower(strings.TrimSuffix(t.values["d"], "."))
	s.selector = t.values["s"]
	if s.domain == "" || s.selector == "" {
		return nil, fmt.Errorf("empty d= or s= tag")
	}
	if err := s.parseHeaders(t.values["h"]); err != nil {
		return nil, err
	}
	if err := s.parseCanon(t); err != nil {
		return nil, err
	}
	if !arc {
		if err := s.parseIdentifier(t); err != nil {
			return nil, err
		}
	}
	return s, s.parseTimes(t)
}

func (s *dkimSig) parseAlgo(a string) error {
	s.algo = strings.ToLower(a)
	switch s.algo {
	case "rsa-sha256":
		s.keyType = "rsa"
	case "ed25519-sha256":
		s.keyType = "ed25519"
	default:
		// rsa-sha1 is refused as RFC 8301, section 3.1 requires.
		return fmt.Errorf("unsupported algorithm %q", a)
	}
	return nil
}

func (s *dkimSig) parseHeaders(h string) error {
	from := false
	for _, n := range strings.Split(stripFWS(h), ":") {
		if n == "" {
			return fmt.Errorf("empty name in h= tag")
		}
		from = from || strings.EqualFold(n, "From")
		s.headers = append(s.headers, n)
	}
	if !from {
		return fmt.Errorf("h= tag does not sign From")
	}
	return nil
}

func (s *dkimSig) parseCanon(t tagList) error {
	c, ok := t.get("c")
	if !ok {
		return nil
	}
	hc, bc, _ := strings.Cut(strings.ToLower(c), "/")
	switch hc {
	case "simple":
	case "relaxed":
		s.hdrRelaxed = true
	default:
		return fmt.Errorf("unknown header canonicalization %q", hc)
	}
	switch bc {
	case "", "simple":
	case "relaxed":
		s.bodyRelax = true
	default:
		return fmt.Errorf("unknown body canonicalization %q", bc)
	}
	return nil
}

func (s *dkimSig) parseIdentifier(t tagList) error {
	s.identifier = "@" + s.domain
	if i, ok := t.get("i"); ok {
		at := strings.LastIndexByte(i, '@')
		if at < 0 {
			return fmt.Errorf("i= tag %q has no @", i)
		}
		if !isSubdomainOf(strings.TrimSuffix(i[at+1:], "."), s.domain) {
			return fmt.Errorf("i= domain is not within d= %s", s.domain)
		}
		s.identifier = i
	}
	if l, ok := t.get("l"); ok {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 || len(l) > 76 {
			return fmt.Errorf("bad l= tag %q", l)
		}
		s.length = n
	}
	return nil
}

func (s *dkimSig) parseTimes(t tagList) error {
	for _, n := range []string{"t", "x"} {
		v, ok := t.get(n)
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 || len(v) > 12 {
			return fmt.Errorf("bad %s= tag %q", n, v)
		}
		if n == "t" {
			s.signed = time.Unix(sec, 0)
		} else {
			s.expires = time.Unix(sec, 0)
		}
	}
	if !s.signed.IsZero() && !s.expires.IsZero() && s.expires.Before(s.signed) {
		return fmt.Errorf("x= is before t=")
	}
	return nil
}

func decodeB64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(stripFWS(s))
}

// dkimKey is a parsed DKIM key record (RFC 6376, section 3.6.1).
type dkimKey struct {
	keyType string
	pub     crypto.PublicKey
	hashes  []string // h=, nil for any
	strict  bool     // t=s: i= domain must equal d=
	testing bool     // t=y
}

// parseDKIMKey parses a key record. An empty p= means the key is revoked.
func parseDKIMKey(txt string) (*dkimKey, error) {
	t, err := parseTagList(txt)
	if err != nil {
		return nil, err
	}
	if v, ok := t.get("v"); ok && (v != "DKIM1" || t.names[0] != "v") {
		return nil, fmt.Errorf("bad key record version %q", v)
	}
	k := &dkimKey{keyType: "rsa"}
	if kt, ok := t.get("k"); ok {
		k.keyType = strings.ToLower(kt)
	}
	if h, ok := t.get("h"); ok {
		k.hashes = strings.Split(strings.ToLower(stripFWS(h)), ":")
	}
	if svc, ok := t.get("s"); ok && !hasAny(stripFWS(svc), "*", "email") {
		return nil, fmt.Errorf("key not for email service")
	}
	if fl, ok := t.get("t"); ok {
		for _, f := range strings.Split(stripFWS(fl), ":") {
			k.strict = k.strict || f == "s"
			k.testing = k.testing || f == "y"
		}
	}
	p, ok := t.get("p")
	if !ok {
		return nil, fmt.Errorf("key record has no p= tag")
	}
	raw, err := decodeB64(p)
	if err != nil {
		return nil, fmt.Errorf("bad p= tag: %w", err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("key revoked")
	}
	return k, k.decode(raw)
}

func hasAny(list string, want ...string) bool {
	for _, x := range strings.Split(strings.ToLower(list), ":") {
		for _, w := range want {
			if x == w {
				return true
			}
		}
	}
	return false
}

func (k *dkimKey) decode(raw []byte) error {
	switch k.keyType {
	case "rsa":
		pub, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			// Some records hold a bare PKCS#1 RSAPublicKey.
			pub, err = x509.ParsePKCS1PublicKey(raw)
		}
		if err != nil {
			return fmt.Errorf("parse RSA key: %w", err)
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("key record is not an RSA key")
		}
		// RFC 8301, section 3.2: keys under 1024 bits are not accepted.
		if rk.N.BitLen() < 1024 {
			return fmt.Errorf("RSA key of %d bits is too short", rk.N.BitLen())
		}
		k.pub = rk
	case "ed25519":
		if len(raw) != ed25519.PublicKeySize {
			return fmt.Errorf("ed25519 key has %d octets", len(raw))
		}
		k.pub = ed25519.PublicKey(raw)
	default:
		return fmt.Errorf("unknown key type %q", k.keyType)
	}
	return nil
}
