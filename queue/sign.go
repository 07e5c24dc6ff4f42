package queue

import (
	"context"
	"io"
	"strings"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// DKIMSigner returns a SignFunc that signs with the signers of the
// reverse-path's domain (RFC 6376), keyed by lower-case domain. Mail
// from other domains, and notifications, go unsigned.
func DKIMSigner(byDomain map[string][]*mailauth.Signer) SignFunc {
	return func(ctx context.Context, from string, msg io.Reader) (string, error) {
		if from == "" {
			return "", nil
		}
		signers := byDomain[domain(from)]
		if len(signers) == 0 {
			return "", nil
		}
		field, err := mailauth.SignAll(msg, signers...)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(field, "\r\n") + "\r\n", nil
	}
}
