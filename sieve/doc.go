// Package sieve implements the Sieve mail filtering language (RFC 5228):
// a lexer and parser that report errors with line and column, a compiler
// to an immutable Script that is cached and run for every message, and an
// interpreter that returns the actions a host carries out.
//
// # Use
//
//	sc, err := sieve.Compile("main", src, &sieve.Options{})
//	// err is an *ErrorList at upload time; never compile at delivery.
//	res, err := sc.Run(ctx, msg, &sieve.Env{Envelope: env})
//	// err is a *RuntimeError: keep the message (RFC 5228 section 2.10.6).
//
// # Results
//
// A Result lists Actions in script order: keep, fileinto (with flags,
// :create, :specialuse, :copy), redirect, discard, reject, ereject,
// vacation and notify. When ImplicitKeep is set the host also stores the
// message in INBOX with KeepFlags. Header holds the header after
// editheader; each Action's Header is the header when it was requested.
// Result.Outgoing turns redirect, vacation, notify and reject into
// messages with their envelopes (X-Sieve-Redirected-From, RFC 3834
// headers). Vacation response tracking (Vacation.Handle, Period) and the
// duplicate tracker (Env.Duplicates) are the host's stores.
//
// # Trust levels
//
// Scripts compiled with Options.Trusted (system scripts run by the host at
// SMTP stages) may require Extensions marked Trusted: host functions such
// as lookups, called through CommandSpec.Run. User scripts cannot.
//
// # Storage
//
// Storage keeps each account's scripts in a store.KV, checks them on
// upload, keeps one active script, and caches compiled scripts by content
// hash. Package managesieve serves it over RFC 5804.
//
// # Implemented
//
//   - RFC 5228 Sieve, with the limits of section 10 as Options (script
//     size, nesting, actions, redirects, steps, CPU time, variables and
//     their size, match variables, includes, notifications)
//   - RFC 5229 variables; RFC 5231 relational; RFC 4790 i;octet,
//     i;ascii-casemap, i;ascii-numeric; RFC 5051 i;unicode-casemap
//   - RFC 5429 reject and ereject; RFC 3894 copy; RFC 5232 imap4flags
//   - RFC 5173 body; RFC 5233 subaddress; RFC 5230 vacation and RFC 6131
//     vacation-seconds; RFC 5228 2.4.2.4 encoded-character; envelope
//   - RFC 5260 date and index; RFC 5293 editheader; RFC 5183 environment
//   - RFC 5463 ihave (with the error command); RFC 6609 include (global,
//     return, :once, :optional)
//   - RFC 5490 mailbox (mailboxexists, :create), mboxmetadata and
//     servermetadata; RFC 8579 special-use; RFC 8580 fcc
//   - RFC 7352 duplicate; RFC 5435 enotify with RFC 5436 mailto
//   - RFC 5703 mime, foreverypart (with break) and extracttext
//   - draft-ietf-sieve-regex (Go RE2 syntax, a subset of POSIX ERE)
//   - vnd.dovecot.debug (debug_log) and ${env.*} variables
//     (vnd.dovecot.environment)
//
// # Not yet
//
//   - RFC 5703 replace and enclose (the MIME-rewriting actions)
//   - RFC 5235 spamtest, spamtestplus and virustest
//   - RFC 6134 extlists; RFC 6558 convert; RFC 9042 mailboxid
//   - regex keys use RE2: back-references and some POSIX classes of the
//     draft are not accepted
//   - compiled scripts are cached in memory only; they are not serialised
package sieve
