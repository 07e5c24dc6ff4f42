// Package migrate moves a Bulwark server's data between stores and in and
// out of other servers: Export writes a whole server (or chosen accounts)
// to a folder in a documented, versioned format, and Import reads it into
// an empty store of any adapter (memory, bolt, SQL), so that moving from
// the embedded store to PostgreSQL is an export and an import. The format
// is described in FORMAT.md beside this file; its version is
// FormatVersion.
//
// Import refuses a target that holds accounts or principals unless
// ImportOptions.Merge is set. It records its progress in the target's KV
// (space "migrate_import": the export's id, the directory step, and per
// account the steps done and whether the account is finished), so that
// running it again after a crash resumes where it stopped.
//
// For users coming from other servers, ImportMaildir reads a Maildir++
// tree (Dovecot, Courier), ImportMbox an mbox file (RFC 4155; mboxrd or
// mboxo quoting), and ExportMaildir writes an account as Maildir++.
//
// # Layout migrations
//
// A release that changes how records are stored ships a step that
// rewrites the old form in place (store.Migrator): PlanLayout says what
// would change (steps, records, an estimate timed on a trial batch that
// is rolled back: the dry run), ApplyLayout runs the steps in batches,
// each a transaction with its checkpoint, so that a run killed midway
// resumes where it stopped, reporting progress through a callback and the
// logger, and VerifyLayout reads everything back through mailstore's API.
// A store written by a newer release is refused (store.ErrLayoutTooNew).
// The steps run offline: mailstore.New refuses a store whose layout is
// not current. Layout 2 of the mailstore keeps the full-text index as
// chunked postings instead of one key per word and email; the fixture in
// testdata is a store of layout 1 that the tests migrate.
//
// # What a round trip keeps
//
// Export and Import keep: principals (type, names, addresses, quota,
// roles, groups and members), their password hashes and app password
// hashes, the local domains; mailboxes with their names, hierarchy,
// roles, subscriptions and sort orders; each email once with its exact
// bytes, keywords, received date (as whole seconds) and every mailbox
// holding it; account quotas; Sieve scripts and which one is active;
// identities (with their ids) and the vacation response of each account;
// and, when the whole server is exported, the messages pending delivery
// in the queue with their envelope and each recipient's state, which a
// queue running on the target delivers.
//
// Into an empty target, the IMAP state is kept too (mailstore's
// CreateMailboxExact, ImportExact, LinkExact, SetUIDNext and
// RaiseModSeq): each mailbox keeps its UIDVALIDITY and UIDNEXT, each
// email its UID and MODSEQ in every mailbox, and HIGHESTMODSEQ ends no
// lower than it was, so IMAP clients keep their caches (RFC 9051 section
// 2.3.1.1) and a CONDSTORE client finds nothing changed since the
// HIGHESTMODSEQ it knew (RFC 7162 section 3.1). The change log starts
// anew: older JMAP states and QRESYNC requests are answered as too old,
// and JMAP ids of emails, mailboxes and threads are drawn anew, so JMAP
// clients fetch the account again. Import with Merge, or of an export
// without UIDs, draws UIDs, UIDVALIDITY and MODSEQs anew; an email then
// keeps its place in the UID order of the first mailbox holding it.
//
// A resumed import that keeps UIDs ends as an uninterrupted one: a step
// whose UID the mailbox already holds was done before the crash.
//
// # Standards
//
//   - RFC 5322: messages are written and read as they were stored.
//   - RFC 4155: the mbox format; the "From " line's date becomes the
//     received date.
//   - Maildir and Maildir++ conventions (cur, new, ":2," info flags,
//     ".Folder.Sub" folders, Dovecot's dovecot-keywords file).
//
// # Not yet
//
//   - JMAP ids and the change logs before the import are not kept (see
//     above).
//   - Layout steps migrate the whole store at once, not account by
//     account while the others are served.
//   - Maildir folder names in modified UTF-7 are taken as they are;
//     mailbox names holding "." cannot be written as Maildir++.
//   - A resumed merge import (Merge, or an export without UIDs) may store
//     a second copy of a message whose bytes occur several times in one
//     account and that was imported after the last checkpoint.
//   - The queue is exported only with every account; EmailSubmission
//     records and uploads of JMAP are not exported.
package migrate
