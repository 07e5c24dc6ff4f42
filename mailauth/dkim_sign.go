package mailauth

import (
	"bufio"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ErrNoFrom is returned when signing a message without a From field,
// which every DKIM signature must cover (RFC 6376, section 5.4).
var ErrNoFrom = errors.New("mailauth: message has no From field")

// DefaultSignedHeaders is the header list a Signer covers when none is
// given (RFC 6376, section 5.4.1).
var DefaultSignedHeaders = []string{
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "List-Id", "List-Unsubscribe",
	"List-Unsubscribe-Post",
}

// Signer adds DKIM signatures to outgoing mail (RFC 6376; RFC 8463 for
// Ed25519).
type Signer struct {
	// Domain is the signing domain (d=); Selector the key selector (s=).
	Domain   string
	Selector string
	// Key is an *rsa.PrivateKey (rsa-sha256) or ed25519.PrivateKey
	// (ed25519-sha256).
	Key crypto.Signer
	// Identifier is the optional agent identifier (i=), such as
	// "alice@example.org".
	Identifier string
	// Headers lists the fields to sign. Default DefaultSignedHeaders.
	// From is always signed.
	Headers []string
	// OverSign names each listed field once more than it occurs, so that
	// a field of that name added later breaks the signature
	// (RFC 6376, section 8.15).
	OverSign bool
	// HeaderCanon and BodyCanon default to relaxed.
	HeaderCanon Canonicalization
	BodyCanon   Canonicalization
	// Expiration, when set, adds x= that far after t=.
	Expiration time.Duration
	// Now returns the signing time; nil means time.Now.
	Now func() time.Time
	// MaxHeaderBytes bounds the header section read. Default 1 MiB.
	MaxHeaderBytes int
}

// algorithm returns the a= value for the key.
func signAlgorithm(key crypto.Signer) (string, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey:
		return "rsa-sha256", nil
	case ed25519.PublicKey:
		return "ed25519-sha256", nil
	}
	return "", fmt.Errorf("mailauth: unsupported key type %T", key)
}

// signDigest signs the SHA-256 digest of data.
func signDigest(key crypto.Signer, data []byte) ([]byte, error) {
	digest := sha256.Sum256(data)
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(nil, digest[:], crypto.Hash(0))
	}
	return key.Sign(rand.Reader, digest[:], crypto.SHA256)
}

func (s *Signer) canon() (hdr, body Canonicalization) {
	hdr, body = s.HeaderCanon, s.BodyCanon
	if hdr == "" {
		hdr = CanonRelaxed
	}
	if body == "" {
		body = CanonRelaxed
	}
	return hdr, body
}

// Sign reads a message and returns the DKIM-Signature field to put on top
// of it, folded and ending in CRLF. The message is streamed; only its
// header section is held.
func (s *Signer) Sign(msg io.Reader) (string, error) {
	return SignAll(msg, s)
}

// SignAll signs a message with several signers (say an RSA and an Ed25519
// key of one domain) reading it once, and returns their DKIM-Signature
// fields, the first signer's on top.
func SignAll(msg io.Reader, signers ...*Signer) (string, error) {
	if len(signers) == 0 {
		return "", errors.New("mailauth: no signer")
	}
	for _, s := range signers {
		if err := s.check(); err != nil {
			return "", err
		}
	}
	br := bufio.NewReader(msg)
	h, err := readHeader(br, orDefault(signers[0].MaxHeaderBytes, 1<<20))
	if err != nil {
		return "", err
	}
	if len(h.Get("From")) == 0 {
		return "", ErrNoFrom
	}
	bodies := make([]*bodyCanon, len(signers))
	for i, s := range signers {
		_, bc := s.canon()
		bodies[i] = newBodyCanon(bc == CanonRelaxed, sha256.New(), -1)
	}
	if err := hashBody(br, bodies); err != nil {
		return "", err
	}
	var out strings.Builder
	for i, s := range signers {
		field, err := s.field(h, bodies[i].h.Sum(nil))
		if err != nil {
			return "", err
		}
		out.WriteString(field)
	}
	return out.String(), nil
}

// check validates the signer's settings.
func (s *Signer) check() error {
	if s.Key == nil || s.Domain == "" || s.Selector == "" {
		return errors.New("mailauth: signer needs a key, a domain and a selector")
	}
	if _, err := signAlgorithm(s.Key); err != nil {
		return err
	}
	if s.Identifier != "" {
		at := strings.LastIndexByte(s.Identifier, '@')
		if at < 0 || !isSubdomainOf(s.Identifier[at+1:], s.Domain) {
			// RFC 6376, section 3.5: the i= domain is d= or a subdomain.
			return fmt.Errorf("mailauth: identifier %q is not within %s", s.Identifier,
				s.Domain)
		}
	}
	return nil
}

// field builds and signs the DKIM-Signature field for a header section
// and body hash.
func (s *Signer) field(h Header, bodyHash []byte) (string, error) {
	algo, _ := signAlgorithm(s.Key)
	hc, bc := s.canon()
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	tags := [][2]string{{"v", "1"}, {"a", algo}, {"c", string(hc) + "/" + string(bc)},
		{"d", s.Domain}, {"s", s.Selector}}
	if s.Identifier != "" {
		tags = append(tags, [2]string{"i", s.Identifier})
	}
	tags = append(tags, [2]string{"t", strconv.FormatInt(now.Unix(), 10)})
	if s.Expiration > 0 {
		tags = append(tags, [2]string{"x", strconv.FormatInt(now.Add(s.Expiration).Unix(), 10)})
	}
	names := signedNames(h, s.Headers, s.OverSign)
	relaxed := hc == CanonRelaxed
	return sealField(fieldSpec{
		name: "DKIM-Signature", tags: tags, headers: names, key: s.Key,
		bodyHash: bodyHash, relaxed: relaxed,
		data: func(raw []byte) []byte { return signedHeaderData(h, names, relaxed, raw) },
	})
}

// signedNames chooses the h= list: each wanted field as many times as it
// occurs, plus once more when over-signing.
func signedNames(h Header, want []string, overSign bool) []string {
	if len(want) == 0 {
		want = DefaultSignedHeaders
	}
	hasFrom := false
	for _, w := range want {
		hasFrom = hasFrom || strings.EqualFold(w, "From")
	}
	if !hasFrom {
		want = append([]string{"From"}, want...)
	}
	var names []string
	seen := make(map[string]bool)
	for _, w := range want {
		key := strings.ToLower(w)
		if seen[key] {
			continue
		}
		seen[key] = true
		n := len(h.Get(w))
		if overSign {
			n++
		}
		for range n {
			names = append(names, w)
		}
	}
	return names
}

// fieldSpec describes a signature field to build and sign.
type fieldSpec struct {
	name     string
	tags     [][2]string // in order, before h=, bh= and b=
	headers  []string    // h= list; nil for none
	bodyHash []byte      // bh=; nil for none
	key      crypto.Signer
	relaxed  bool
	data     func(rawWithEmptyB []byte) []byte
}

// sealField builds a signature field with an empty b=, signs the data it
// yields and returns the field with the folded signature in place.
func sealField(fs fieldSpec) (string, error) {
	f := newFolder(fs.name)
	for _, t := range fs.tags {
		f.word(t[0]+"="+t[1]+";", true)
	}
	if fs.headers != nil {
		f.headerList(fs.headers, false)
	}
	if fs.bodyHash != nil {
		f.tagStart("bh=")
		f.chunks(base64.StdEncoding.EncodeToString(fs.bodyHash) + ";")
	}
	f.tagStart("b=")
	sig, err := signDigest(fs.key, fs.data([]byte(f.String())))
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", fs.name, err)
	}
	f.chunks(base64.StdEncoding.EncodeToString(sig))
	return f.String(), nil
}
