// Package directory says who someone is, whether a password is right and
// where an address delivers, for every protocol server of Bulwark.
//
// A Directory holds principals (individuals, groups, mailing lists,
// domains) with their addresses, secrets, quotas, memberships and roles.
// Core builds the shared behaviour on any Backend: authentication with
// failure limiting (a lockout per remote address and per account and
// address pair, and a slowdown, never a lockout, for an account attacked
// from many addresses), constant-time secret checks and timing that does
// not reveal whether an account exists, and address resolution. The
// backends are directory/local (kept in a store.KV, with a management
// API), directory/sql (the host's own SQL tables) and directory/ldap.
// directory/cache puts an expiring cache in front of any of them, and
// directory/directorytest is the conformance suite they all pass.
//
// Implemented:
//
//   - SASL (RFC 4422) through github.com/emersion/go-sasl's Server
//     interface: PLAIN (RFC 4616) with authzid checks, LOGIN
//     (draft-murchison-sasl-login), OAUTHBEARER (RFC 7628) and XOAUTH2
//     when a TokenValidator is configured;
//   - subaddressing (RFC 5233) with configurable separators, the detail
//     returned for Sieve;
//   - internationalised addresses: UTF-8 local parts (RFC 6531) compared
//     after NFC normalisation, IDNA domains (RFC 5890, RFC 5891) matched
//     in A-label and U-label form;
//   - the submission sender check (RFC 6409 section 6.1) as OwnsAddress;
//   - stored secret schemes of package directory/password.
//
// Not yet: SCRAM mechanisms (they need stored SCRAM keys), EXTERNAL
// with client certificates, CRAM-MD5 and DIGEST-MD5; per-principal login
// restrictions (allowed networks, disabled accounts); Lookup of Domain
// principals (each backend keeps its local domains its own way and
// answers IsLocalDomain); the per-account failure limits count the name
// as typed, so an alias and the login name have separate budgets.
package directory
