// Package mailstore is Bulwark's mail data model: accounts, mailboxes,
// emails, threads, keywords, IMAP UIDs and UIDVALIDITY, MODSEQs, the change
// log, quotas, search and change notifications. IMAP, JMAP, SMTP delivery
// and Sieve all read and write mail through one Store; IMAP and JMAP are two
// views of the same records.
//
// # Model
//
// An account (named by its principal's login) holds mailboxes in a tree
// whose levels are separated by "/", six of them created with the account
// and given RFC 6154 roles. An email is one stored message: its raw bytes
// are a blob in a store.BlobStore, written once however many accounts
// receive it, and its records live in a store.KV. An email sits in one or
// more mailboxes and has its own UID in each; its EmailID stays the same
// when it moves. Keywords are kept in JMAP form ("$seen" for \Seen) and
// belong to the email.
//
// Every operation is one KV transaction, all of it committed or none, and
// draws one MODSEQ from the account's counter. UIDs come from a counter per
// mailbox and are never reused; UIDVALIDITY from a counter shared by all
// accounts, so no two mailboxes ever share one. Each transaction appends
// to the account's change log what it created, updated and destroyed; the
// JMAP state of every type is the highest MODSEQ in decimal.
//
// # Key layout
//
// The records are kept in the spaces listed in keys.go. The layout of the
// whole is versioned as store.Layout component LayoutComponent, and each
// space's own version is recorded in ms_meta (see LayoutVersion); New
// refuses a store of another layout. Records start with a format byte.
// Numbers in keys are big-endian so that keys sort by number: ms_uid sorts
// a mailbox's entries by UID, ms_modseq by MODSEQ (for CONDSTORE),
// ms_change the change log by MODSEQ, ms_posting the full-text index by
// word, then by chunk of email numbers (see terms.go).
//
// # Sharing
//
// A mailbox has an access control list (RFC 4314): the rights of account
// names and of Anyone, kept as Rights bit sets (SetRights, DeleteRights,
// ListRights, MyRights). The owner always holds every right. An index by
// identifier lets SharedWith list the mailboxes of other accounts a user
// may reach without reading every account; CheckRights is the test the
// protocol servers make before acting on another account's mailbox. A
// change to an ACL is a mailbox update in the change log; the ACL goes
// with its mailbox and with either account.
//
// # Search
//
// Query filters and sorts one mailbox (the IMAP view) or the whole account
// (JMAP). The per-mailbox entries carry the keywords, dates, size, thread
// and sort keys, so that sorting and most filters read one range of keys;
// the decoded entries of large mailboxes stay cached in memory while the
// mailbox's HIGHESTMODSEQ does not move (Options.QueryCache).
// Full-text conditions read a word index kept in the KV store: text is
// case-folded (Unicode full folding, golang.org/x/text/cases) and split at
// anything that is not a letter, digit or mark; ideographs are words of
// their own. A searched word matches indexed words it is a prefix of.
//
// # Standards
//
//   - RFC 9051 (IMAP4rev2) and RFC 3501: UID, UIDVALIDITY, UIDNEXT, flags,
//     INBOX naming and rename (section 6.3.6), internal date, SEARCH.
//   - RFC 4315 (UIDPLUS): APPENDUID and COPYUID values, UID EXPUNGE.
//   - RFC 6851 (MOVE): move in one transaction.
//   - RFC 7162 (CONDSTORE, QRESYNC): per-message MODSEQ, HIGHESTMODSEQ,
//     UNCHANGEDSINCE, CHANGEDSINCE, VANISHED.
//   - RFC 5256 (SORT): base subject, sort keys and tie-breaking.
//   - RFC 6154 (special-use) and RFC 8621 section 2: mailbox roles.
//   - RFC 8474 (OBJECTID): MailboxID, EmailID and ThreadID.
//   - RFC 8620 section 5.2 and 5.5, RFC 8621 sections 2-4: /changes,
//     Email/query filters, sorts, paging by position and anchor,
//     collapseThreads, keywords, threads, Email/import receivedAt.
//   - RFC 9208 (QUOTA): STORAGE and MESSAGE limits.
//   - RFC 5232 (imap4flags): delivery keywords.
//
// # Not yet
//
//   - Stemming: words are matched by prefix, not reduced to their stem.
//   - Shared mailboxes and access rights (RFC 4314, JMAP sharing).
//   - Threads are never merged after the fact: when a message links two
//     existing threads it joins the first one found.
//   - JMAP Email/queryChanges: clients re-run the query.
//   - JMAP totalThreads and unreadThreads of mailboxes.
//   - Sorting by keyword (hasKeyword, allInThreadHaveKeyword,
//     someInThreadHaveKeyword) and the thread keyword filters.
//   - Annotations (RFC 5257), and per-mailbox quotas.
//   - Subscriptions to names with no mailbox (RFC 9051 section 6.3.7
//     allows them): SetSubscribed needs an existing mailbox.
//   - Filters on To, Cc, Bcc and header fields read each candidate's
//     email record (header fields the raw message); a full-text condition
//     is the fast way to narrow a large mailbox first. Queries over the
//     whole account without an inMailbox condition read every email
//     record and are not cached.
//   - Notifier across nodes: LocalNotifier reaches subscribers of the same
//     process only.
package mailstore
