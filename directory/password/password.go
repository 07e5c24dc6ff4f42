package password

import (
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Verify.
var (
	// ErrUnknownScheme is returned for a stored secret whose scheme is not
	// recognised, or a bare secret when plain text is not allowed.
	ErrUnknownScheme = errors.New("password: unknown scheme")

	// ErrMalformed is returned for a stored secret of a known scheme that
	// cannot be decoded.
	ErrMalformed = errors.New("password: malformed hash")
)

// Argon2Params are the cost parameters of new argon2id hashes (RFC 9106).
type Argon2Params struct {
	// Time is the number of passes; default 2.
	Time uint32
	// Memory is the memory cost in KiB; default 19456 (19 MiB).
	Memory uint32
	// Threads is the degree of parallelism; default 1.
	Threads uint8
}

// Options configure hashing and verification. The zero value hashes with
// argon2id at the defaults above and refuses plain-text secrets.
type Options struct {
	// Argon2 sets the cost of new hashes.
	Argon2 Argon2Params
	// AllowPlaintext lets a stored secret without any recognised scheme
	// compare as plain text. {PLAIN} and {CLEARTEXT} values are plain text
	// too and are accepted only with it.
	AllowPlaintext bool
}

func (o Options) argon2() Argon2Params {
	p := o.Argon2
	if p.Time == 0 {
		p.Time = 2
	}
	if p.Memory == 0 {
		p.Memory = 19456
	}
	if p.Threads == 0 {
		p.Threads = 1
	}
	return p
}

// Hash returns the stored form of a new secret: an argon2id PHC string.
func (o Options) Hash(plain string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	return hashArgon2id(plain, salt, o.argon2()), nil
}

// Verify reports whether plain matches the stored secret. Comparisons run
// in constant time for the scheme. The error is ErrUnknownScheme or
// ErrMalformed (wrapped) when the stored value cannot be used; the result
// is then false.
func (o Options) Verify(stored, plain string) (bool, error) {
	switch {
	case strings.HasPrefix(stored, "{"):
		return o.verifyPrefixed(stored, plain)
	case strings.HasPrefix(stored, "$"):
		return verifyDollar(stored, plain)
	case o.AllowPlaintext:
		return equal(stored, plain), nil
	}
	return false, ErrUnknownScheme
}

// Hash returns an argon2id hash of plain at the default cost.
func Hash(plain string) (string, error) { return Options{}.Hash(plain) }

// Verify reports whether plain matches stored, with the default options.
func Verify(stored, plain string) (bool, error) { return Options{}.Verify(stored, plain) }

// verifyDollar handles the "$id$..." forms: PHC strings and crypt(3).
func verifyDollar(stored, plain string) (bool, error) {
	id, _, _ := strings.Cut(stored[1:], "$")
	switch id {
	case "argon2id", "argon2i", "argon2d":
		return verifyArgon2(stored, plain)
	case "scrypt":
		return verifyScrypt(stored, plain)
	case "pbkdf2", "pbkdf2-sha1", "pbkdf2-sha256", "pbkdf2-sha512":
		return verifyPBKDF2(stored, plain)
	case "2", "2a", "2b", "2x", "2y":
		return verifyBcrypt(stored, plain)
	case "1", "5", "6", "apr1":
		return verifyCrypt(stored, plain)
	}
	return false, fmt.Errorf("verify %q: %w", "$"+id+"$", ErrUnknownScheme)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func equalBytes(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// HashRandom returns the stored form of a secret that is itself random
// and long, such as a generated app password: a salted SHA-512 digest
// ("{SSHA512}"), cheap to verify because guessing it is hopeless anyway.
func HashRandom(secret string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	d := sha512.Sum512(append([]byte(secret), salt...))
	return "{SSHA512}" + base64.StdEncoding.EncodeToString(append(d[:], salt...)), nil
}
