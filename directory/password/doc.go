// Package password hashes new secrets and verifies stored ones in the
// forms other mail servers and directories write.
//
// New secrets are argon2id PHC strings (RFC 9106). Verify reads:
//
//   - argon2id and argon2i PHC strings ("$argon2id$v=19$m=...");
//   - bcrypt ("$2a$", "$2b$", "$2y$");
//   - scrypt and PBKDF2 in passlib's PHC forms ("$scrypt$ln=...",
//     "$pbkdf2-sha256$..."), and Dovecot's "{PBKDF2}$1$salt$rounds$hex";
//   - crypt(3) SHA-512-crypt ("$6$"), SHA-256-crypt ("$5$") and MD5-crypt
//     ("$1$"), and Apache's "$apr1$";
//   - "{SCHEME}" prefixed values as Dovecot and OpenLDAP store them
//     (RFC 2307 section 5.3): {SSHA}, {SHA}, {SSHA256}, {SHA256},
//     {SSHA512}, {SHA512}, {SMD5}, {MD5}, {PLAIN-MD5}, {LDAP-MD5},
//     {CRYPT}, {MD5-CRYPT}, {SHA256-CRYPT}, {SHA512-CRYPT}, {BLF-CRYPT},
//     {ARGON2} (OpenLDAP), {ARGON2I}, {ARGON2ID}, with ".HEX"/".B64" encoding suffixes;
//   - {PLAIN}/{CLEARTEXT} and bare plain text, only when
//     Options.AllowPlaintext is set.
//
// Not yet: traditional DES crypt(3), yescrypt ("$y$") and libsodium's
// scrypt ("$7$"), argon2 version 0x10 hashes, Dovecot's {SCRAM-SHA-1}
// and {CRAM-MD5} stored forms.
package password
