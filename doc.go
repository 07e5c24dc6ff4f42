// Package bulwark is a toolkit of composable mail-server packages: SMTP,
// IMAP and JMAP servers, a Sieve interpreter, a persistent delivery queue,
// a directory of users, mail authentication (SPF, DKIM, DMARC, ARC) and the
// stores they all keep their data in.
//
// Nothing runs unless a host program calls it. A host opens a store
// (store/bolt by default, store/sql for several nodes sharing one data set,
// store/memory in tests), builds the mail data model on it (mailstore), picks
// a directory of users (directory/local, directory/sql, directory/ldap), and
// hands those to the protocol servers it wants (smtp, imap, sieve/managesieve,
// jmap), each of which offers Serve(net.Listener) and Shutdown(ctx) as
// net/http does. The protocol servers never call one another: they meet in
// mailstore, the queue and the directory, so an SMTP delivery is seen at once
// by an IMAP session in IDLE and by a JMAP client's push stream.
//
// The packages, from the bottom up:
//
//   - store: storage contracts (ordered transactional key-value store with
//     named spaces and counters, content-addressed blobs, layout versions and
//     migrations) and their adapters.
//   - msgparse: one-pass MIME parsing into envelope, body structure with byte
//     offsets, decoded headers, text for search and previews.
//   - mailstore: accounts, mailboxes, emails, threads, keywords, UIDs and
//     MODSEQs, the change log, quotas, search and change notifications.
//   - directory: principals, authentication, SASL and address resolution.
//   - mailauth: SPF, DKIM, DMARC, ARC and Authentication-Results.
//   - smtp: the SMTP server (inbound, submission, LMTP) and its delivery.
//   - imap: the IMAP4rev2/IMAP4rev1 server.
//   - sieve: the Sieve language and, in sieve/managesieve, its RFC 5804
//     management protocol.
//
// examples/server wires them into a complete mail server.
package bulwark
