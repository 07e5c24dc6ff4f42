package password

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
)

// Limits on costs read from stored hashes, so that a corrupt or hostile
// entry cannot exhaust the server.
const (
	maxArgon2Memory = 1 << 20 // KiB (1 GiB)
	maxArgon2Time   = 64
	maxScryptLogN   = 20
	maxBcryptCost   = 16
	maxPBKDF2Rounds = 10_000_000
	maxKeyLen       = 1024
)

// hashArgon2id formats a PHC string (the form of the reference argon2
// tool and of libargon2's encoder).
func hashArgon2id(plain string, salt []byte, p Argon2Params) string {
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Time, p.Threads, b64(salt), b64(key))
}

func b64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// unb64 decodes standard base64 with or without padding, and passlib's
// "adapted" alphabet that writes '.' for '+'.
func unb64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ReplaceAll(s, ".", "+"), "=")
	return base64.RawStdEncoding.DecodeString(s)
}

// phcParams parses "k=v,k=v" into integers.
func phcParams(s string) (map[string]int, error) {
	m := make(map[string]int)
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, ErrMalformed
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, ErrMalformed
		}
		m[k] = n
	}
	return m, nil
}

// verifyArgon2 checks "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func verifyArgon2(stored, plain string) (bool, error) {
	f := strings.Split(stored, "$")
	if len(f) == 5 { // no version field: version 0x10, which x/crypto lacks
		return false, fmt.Errorf("verify argon2 v=16: %w", ErrMalformed)
	}
	if len(f) != 6 || f[2] != "v=19" {
		return false, fmt.Errorf("verify argon2: %w", ErrMalformed)
	}
	p, err := phcParams(f[3])
	if err != nil || p["m"] <= 0 || p["m"] > maxArgon2Memory ||
		p["t"] <= 0 || p["t"] > maxArgon2Time || p["p"] <= 0 || p["p"] > 255 {
		return false, fmt.Errorf("verify argon2 params: %w", ErrMalformed)
	}
	salt, err1 := unb64(f[4])
	want, err2 := unb64(f[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > maxKeyLen {
		return false, fmt.Errorf("verify argon2 encoding: %w", ErrMalformed)
	}
	m, t, th, n := uint32(p["m"]), uint32(p["t"]), uint8(p["p"]), uint32(len(want))
	var got []byte
	switch f[1] {
	case "argon2id":
		got = argon2.IDKey([]byte(plain), salt, t, m, th, n)
	case "argon2i":
		got = argon2.Key([]byte(plain), salt, t, m, th, n)
	default:
		return false, fmt.Errorf("verify %s: %w", f[1], ErrUnknownScheme)
	}
	return equalBytes(got, want), nil
}

// verifyScrypt checks the passlib PHC form "$scrypt$ln=N,r=R,p=P$salt$hash".
func verifyScrypt(stored, plain string) (bool, error) {
	f := strings.Split(stored, "$")
	if len(f) != 5 {
		return false, fmt.Errorf("verify scrypt: %w", ErrMalformed)
	}
	p, err := phcParams(f[2])
	if err != nil || p["ln"] <= 0 || p["ln"] > maxScryptLogN || p["r"] <= 0 ||
		p["p"] <= 0 || p["r"]*p["p"] >= 1<<30 {
		return false, fmt.Errorf("verify scrypt params: %w", ErrMalformed)
	}
	salt, err1 := unb64(f[3])
	want, err2 := unb64(f[4])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > maxKeyLen {
		return false, fmt.Errorf("verify scrypt encoding: %w", ErrMalformed)
	}
	got, err := scrypt.Key([]byte(plain), salt, 1<<p["ln"], p["r"], p["p"], len(want))
	if err != nil {
		return false, fmt.Errorf("verify scrypt: %w", ErrMalformed)
	}
	return equalBytes(got, want), nil
}

// verifyPBKDF2 checks passlib's "$pbkdf2-sha256$rounds$salt$hash" forms
// (sha1 for "$pbkdf2$").
func verifyPBKDF2(stored, plain string) (bool, error) {
	f := strings.Split(stored, "$")
	if len(f) != 5 {
		return false, fmt.Errorf("verify pbkdf2: %w", ErrMalformed)
	}
	var h func() hash.Hash
	switch f[1] {
	case "pbkdf2", "pbkdf2-sha1":
		h = sha1.New
	case "pbkdf2-sha256":
		h = sha256.New
	default:
		h = sha512.New
	}
	salt, err1 := unb64(f[3])
	want, err2 := unb64(f[4])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > maxKeyLen {
		return false, fmt.Errorf("verify pbkdf2 encoding: %w", ErrMalformed)
	}
	return verifyPBKDF2Raw(plain, salt, f[2], want, h)
}

func verifyPBKDF2Raw(plain string, salt []byte, rounds string, want []byte,
	h func() hash.Hash) (bool, error) {
	n, err := strconv.Atoi(rounds)
	if err != nil || n <= 0 || n > maxPBKDF2Rounds {
		return false, fmt.Errorf("verify pbkdf2 rounds: %w", ErrMalformed)
	}
	got := pbkdf2.Key([]byte(plain), salt, n, len(want), h)
	return equalBytes(got, want), nil
}

func verifyBcrypt(stored, plain string) (bool, error) {
	if c, err := bcrypt.Cost([]byte(stored)); err == nil && c > maxBcryptCost {
		return false, fmt.Errorf("verify bcrypt cost %d: %w", c, ErrMalformed)
	}
	err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(plain))
	switch err {
	case nil:
		return true, nil
	case bcrypt.ErrMismatchedHashAndPassword:
		return false, nil
	}
	return false, fmt.Errorf("verify bcrypt: %w: %v", ErrMalformed, err)
}
