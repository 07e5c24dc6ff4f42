// Package cache keeps the answers of a directory for a while, so that a
// busy server does not ask LDAP or SQL for every message: principals,
// address resolutions, local domains and sender checks, with a longer
// lifetime for positive answers than for negative ones, a bound on the
// entries, and one backend query for concurrent misses of one key.
//
// Passwords and tokens are always checked by the backend.
//
// Not yet: invalidation of single entries pushed by the backend (Purge
// forgets everything).
package cache
