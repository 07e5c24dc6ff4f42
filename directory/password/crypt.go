package password

import (
	"errors"
	"fmt"

	"github.com/GehirnInc/crypt"
	"github.com/GehirnInc/crypt/apr1_crypt"
	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
)

// verifyCrypt checks the crypt(3) forms "$1$" (MD5-crypt), "$5$"
// (SHA-256-crypt), "$6$" (SHA-512-crypt) and Apache's "$apr1$", as
// glibc, mkpasswd, openssl passwd and htpasswd write them.
func verifyCrypt(stored, plain string) (bool, error) {
	var c crypt.Crypter
	switch {
	case len(stored) > 6 && stored[:6] == "$apr1$":
		c = apr1_crypt.New()
	case len(stored) > 3 && stored[:3] == "$1$":
		c = md5_crypt.New()
	case len(stored) > 3 && stored[:3] == "$5$":
		c = sha256_crypt.New()
	case len(stored) > 3 && stored[:3] == "$6$":
		c = sha512_crypt.New()
	default:
		return false, fmt.Errorf("verify crypt: %w", ErrUnknownScheme)
	}
	err := c.Verify(stored, []byte(plain))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, crypt.ErrKeyMismatch):
		return false, nil
	}
	return false, fmt.Errorf("verify crypt: %w: %v", ErrMalformed, err)
}
