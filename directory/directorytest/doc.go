// Package directorytest is the conformance suite that every directory
// backend passes: one fixture of principals (Domains, Entries), made with
// secrets from other tools, and Run, which checks lookup, authentication
// (with timing and failure limits), address resolution and its options,
// local domains and the sender check against it.
package directorytest
