package password

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// verifyPrefixed handles "{SCHEME}value" as Dovecot and OpenLDAP store
// secrets (RFC 2307 section 5.3 for userPassword). An optional ".HEX" or
// ".B64" suffix on the scheme names the encoding of a digest.
func (o Options) verifyPrefixed(stored, plain string) (bool, error) {
	end := strings.IndexByte(stored, '}')
	if end < 0 {
		return false, fmt.Errorf("verify: %w", ErrMalformed)
	}
	scheme, value := strings.ToUpper(stored[1:end]), stored[end+1:]
	scheme, enc, _ := strings.Cut(scheme, ".")
	switch scheme {
	case "PLAIN", "CLEARTEXT":
		if !o.AllowPlaintext {
			return false, fmt.Errorf("verify {%s}: %w", scheme, ErrUnknownScheme)
		}
		return equal(value, plain), nil
	case "CRYPT", "MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT",
		"ARGON2", "ARGON2I", "ARGON2ID", "BCRYPT":
		if !strings.HasPrefix(value, "$") {
			return false, fmt.Errorf("verify {%s}: %w", scheme, ErrUnknownScheme)
		}
		return verifyDollar(value, plain)
	case "PBKDF2":
		return verifyDovecotPBKDF2(value, plain)
	case "MD5":
		// Dovecot's {MD5} is MD5-crypt; OpenLDAP's is a base64 digest.
		if strings.HasPrefix(value, "$1$") {
			return verifyCrypt(value, plain)
		}
	}
	h, salted, ok := digestScheme(scheme)
	if !ok {
		return false, fmt.Errorf("verify {%s}: %w", scheme, ErrUnknownScheme)
	}
	if scheme == "PLAIN-MD5" && enc == "" {
		enc = "HEX"
	}
	raw, err := decodeDigest(value, enc, h().Size())
	if err != nil || len(raw) < h().Size() || (!salted && len(raw) != h().Size()) {
		return false, fmt.Errorf("verify {%s}: %w", scheme, ErrMalformed)
	}
	sum, salt := raw[:h().Size()], raw[h().Size():]
	d := h()
	d.Write([]byte(plain))
	d.Write(salt)
	return equalBytes(d.Sum(nil), sum), nil
}

// digestScheme maps a scheme name to its hash and whether a salt follows
// the digest.
func digestScheme(s string) (func() hash.Hash, bool, bool) {
	switch s {
	case "SHA", "SHA1":
		return sha1.New, false, true
	case "SSHA", "SSHA1":
		return sha1.New, true, true
	case "SHA256":
		return sha256.New, false, true
	case "SSHA256":
		return sha256.New, true, true
	case "SHA512":
		return sha512.New, false, true
	case "SSHA512":
		return sha512.New, true, true
	case "MD5", "LDAP-MD5", "PLAIN-MD5":
		return md5.New, false, true
	case "SMD5":
		return md5.New, true, true
	}
	return nil, false, false
}

// decodeDigest reads base64 (the default) or hex; a value of exactly
// twice the digest size in hex digits is taken as hex, as Dovecot does.
func decodeDigest(v, enc string, size int) ([]byte, error) {
	if enc == "HEX" || (enc == "" && len(v) == 2*size && isHex(v)) {
		return hex.DecodeString(v)
	}
	if b, err := base64.StdEncoding.DecodeString(v); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// verifyDovecotPBKDF2 checks Dovecot's "$1$salt$rounds$hexdigest"
// (PBKDF2 with HMAC-SHA1; the salt is used as written).
func verifyDovecotPBKDF2(value, plain string) (bool, error) {
	f := strings.Split(value, "$")
	if len(f) != 5 || f[0] != "" || f[1] != "1" {
		return false, fmt.Errorf("verify {PBKDF2}: %w", ErrMalformed)
	}
	want, err := hex.DecodeString(f[4])
	if err != nil || len(want) == 0 || len(want) > maxKeyLen {
		return false, fmt.Errorf("verify {PBKDF2}: %w", ErrMalformed)
	}
	return verifyPBKDF2Raw(plain, []byte(f[2]), f[3], want, sha1.New)
}
