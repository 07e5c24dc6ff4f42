package mailauth

import (
	"bufio"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Sealer adds an ARC set to a message being forwarded (RFC 8617,
// section 5.1).
type Sealer struct {
	// Domain is the sealing domain (d=); Selector the key selector (s=).
	Domain   string
	Selector string
	// Key is an *rsa.PrivateKey or ed25519.PrivateKey.
	Key crypto.Signer
	// Headers lists the fields the ARC-Message-Signature covers. Default
	// DefaultSignedHeaders, plus DKIM-Signature fields present.
	Headers []string
	// Now returns the sealing time; nil means time.Now.
	Now func() time.Time
	// MaxHeaderBytes bounds the header section read. Default 1 MiB.
	MaxHeaderBytes int
	// MaxARCSets bounds the chain. Default and RFC 8617 value: 50.
	MaxARCSets int
}

// ErrChainFailed is returned by Seal when the newest ARC-Seal of the
// message already says cv=fail: such a chain is not extended
// (RFC 8617, section 5.1.2).
var ErrChainFailed = errors.New("mailauth: ARC chain already failed")

// Seal reads a message and returns the ARC-Seal, ARC-Message-Signature and
// ARC-Authentication-Results fields to put on top of it, in that order.
// chain is the validation result of the chain as received (from Verify);
// authResults is the payload of this host's Authentication-Results field
// ("authserv-id; spf=pass ...", as AuthResultsValue returns).
func (s *Sealer) Seal(msg io.Reader, chain ARCResult, authResults string) (string, error) {
	if s.Key == nil || s.Domain == "" || s.Selector == "" {
		return "", errors.New("mailauth: sealer needs a key, a domain and a selector")
	}
	algo, err := signAlgorithm(s.Key)
	if err != nil {
		return "", err
	}
	br := bufio.NewReader(msg)
	h, err := readHeader(br, orDefault(s.MaxHeaderBytes, 1<<20))
	if err != nil {
		return "", err
	}
	sets, err := s.existingSets(h)
	if err != nil {
		return "", err
	}
	body := newBodyCanon(true, sha256.New(), -1)
	if err := hashBody(br, []*bodyCanon{body}); err != nil {
		return "", err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	n := sealing{inst: len(sets) + 1, algo: algo, ts: strconv.FormatInt(now.Unix(), 10)}
	aar := s.authResultsField(n.inst, authResults)
	ams, err := s.messageSignature(h, n, body.h.Sum(nil))
	if err != nil {
		return "", err
	}
	seal, err := s.seal(sets, n, chain, aar, ams)
	if err != nil {
		return "", err
	}
	return seal + ams + aar, nil
}

// sealing holds what the three fields of a new set share.
type sealing struct {
	inst     int
	algo, ts string
}

// existingSets returns the chain of the message, refusing one whose
// newest seal says cv=fail (RFC 8617, section 5.1.2), a broken one, or one
// already at the maximum length.
func (s *Sealer) existingSets(h Header) ([]arcSet, error) {
	max := orDefault(s.MaxARCSets, 50)
	sets, err := collectARCSets(h, max)
	if err != nil {
		return nil, fmt.Errorf("seal message: %w: %v", ErrChainFailed, err)
	}
	if len(sets) > 0 {
		t, err := parseTagList(sets[len(sets)-1].seal.Value())
		if err != nil || strings.EqualFold(t.values["cv"], "fail") {
			return nil, ErrChainFailed
		}
	}
	if len(sets) >= max {
		return nil, fmt.Errorf("seal message: chain of %d sets is full: %w", len(sets),
			ErrChainFailed)
	}
	return sets, nil
}

func (s *Sealer) authResultsField(inst int, authResults string) string {
	f := newFolder(arcAuthName)
	f.word("i="+strconv.Itoa(inst)+";", true)
	for _, w := range strings.Fields(authResults) {
		f.word(w, true)
	}
	return f.String()
}

func (s *Sealer) messageSignature(h Header, n sealing, bodyHash []byte) (string, error) {
	names := s.Headers
	if len(names) == 0 {
		names = append(append([]string(nil), DefaultSignedHeaders...), "DKIM-Signature")
	}
	names = signedNames(h, names, false)
	return sealField(fieldSpec{
		name: arcMsgName, key: s.Key, headers: names, bodyHash: bodyHash,
		tags: [][2]string{{"i", strconv.Itoa(n.inst)}, {"a", n.algo},
			{"c", "relaxed/relaxed"}, {"d", s.Domain}, {"s", s.Selector}, {"t", n.ts}},
		data: func(raw []byte) []byte { return signedHeaderData(h, names, true, raw) },
	})
}

// seal signs the chain with the new set (RFC 8617, section 5.1.1).
func (s *Sealer) seal(sets []arcSet, n sealing, chain ARCResult, aar, ams string) (string,
	error) {
	cv := ARCNone
	if n.inst > 1 {
		cv = ARCPass
		if chain.Status != ARCPass {
			cv = ARCFail
		}
	}
	newSet := arcSet{auth: &Field{Name: arcAuthName, Raw: []byte(aar)},
		msg: &Field{Name: arcMsgName, Raw: []byte(ams)}}
	return sealField(fieldSpec{
		name: arcSealName, key: s.Key,
		tags: [][2]string{{"i", strconv.Itoa(n.inst)}, {"cv", string(cv)}, {"a", n.algo},
			{"d", s.Domain}, {"s", s.Selector}, {"t", n.ts}},
		data: func(raw []byte) []byte {
			newSet.seal = &Field{Name: arcSealName, Raw: raw}
			return sealData(append(sets[:len(sets):len(sets)], newSet), n.inst)
		},
	})
}
