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
// The message is a Message (header fields, size, raw body reader);
// ReadMessage builds one in memory. The body is read only when a test
// needs it. Env carries the envelope and the host's services: mailbox
// and metadata lookups, the duplicate tracker, included scripts,
// external lists and scanner verdicts.
//
// # Results
//
// A Result lists Actions in script order: keep, fileinto (with flags,
// :create, :specialuse, :copy), redirect, discard, reject, ereject,
// vacation and notify. When ImplicitKeep is set the host also stores the
// message in INBOX with KeepFlags. Header holds the header after
// editheader (Body the body after replace or enclose); each Action's
// Header and Body are the message as it was when the action was asked
// for, nil meaning unchanged. Warnings note skipped replies and script
// errors that did not stop the run.
// Result.Outgoing turns redirect, vacation, notify and reject into
// messages with their envelopes (X-Sieve-Redirected-From, RFC 3834
// headers). Tracker keeps the vacation response records (Vacation.Handle,
// Period; RFC 5230 section 4.2) and the duplicate ids (Env.Duplicates,
// RFC 7352) in a store.KV. StreamMessage runs a script over a message
// that stays in its spool, reading the body only when a test needs it;
// MessageReader streams a message built from header fields and a body.
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
//     servermetadata; RFC 8579 special-use; RFC 8580 fcc; RFC 9042
//     mailboxid (fileinto :mailboxid, mailboxidexists)
//   - RFC 7352 duplicate; RFC 5435 enotify with RFC 5436 mailto
//   - RFC 5703 mime, foreverypart (with break), extracttext, enclose and
//     replace (of the message, or of the current part in foreverypart)
//   - RFC 5235 spamtest, spamtestplus and virustest, reading scanner
//     verdicts from header fields (Env.SpamTest)
//   - RFC 6134 extlists: the :list match type and valid_ext_list
//   - draft-ietf-sieve-regex (Go RE2 syntax, a subset of POSIX ERE)
//   - vnd.dovecot.debug (debug_log) and ${env.*} variables
//     (vnd.dovecot.environment)
//
// Included scripts are resolved at run time through Env.Scripts;
// CheckIncludes resolves them at upload time (missing scripts, cycles,
// nesting and count limits), and Storage.Put reports its findings as
// warnings.
//
// # Not yet
//
//   - RFC 5703 replace of a part nested in a base64 or quoted-printable
//     encoded message/rfc822 part (a runtime error; other parts work)
//   - RFC 6134 redirect :list (the :list match type and valid_ext_list
//     work through Env.Lists); RFC 6558 convert
//   - regex keys use RE2: back-references and some POSIX classes of the
//     draft are not accepted
//   - compiled scripts are cached in memory only; they are not serialised
//   - error messages do not copy Pigeonhole's wording, and recovery after
//     a syntax error reports fewer follow-up errors than Pigeonhole does
package sieve
