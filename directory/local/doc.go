// Package local is a directory kept in a store.KV: principals, their
// secrets and app passwords, the address index and the local domains,
// with the management calls (create, update, delete, list principals;
// set passwords; app passwords; add, list, remove domains) that a host
// exposes to administrators.
//
// Authentication, failure limiting and address resolution come from
// directory.Core, so local behaves as every other backend does. Names and
// addresses are stored normalised: names trimmed, NFC and lower-cased;
// addresses as directory.NormalizeEmail writes them. Each address belongs
// to one principal.
//
// Not yet: renaming a principal, per-principal login restrictions, and a
// change feed for caches in front of it (directory/cache expires
// entries instead).
package local
