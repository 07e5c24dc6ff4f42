// Package imap is Bulwark's IMAP server: IMAP4rev2 (RFC 9051) and
// IMAP4rev1 (RFC 3501) in one server over a mailstore.Store, with users
// authenticated by a directory.Directory.
//
// A host builds a Server with New and calls Serve for each listener
// (ImplicitTLS for port 993, STARTTLS otherwise) and Shutdown to stop:
//
//	srv, err := imap.New(imap.Options{Store: ms, Directory: dir, TLSConfig: cfg})
//	go srv.Serve(listener)
//	defer srv.Shutdown(ctx)
//
// Sessions follow each other's changes through the store's notifications:
// EXISTS, EXPUNGE (or VANISHED under QRESYNC) and FETCH FLAGS reach every
// session that has the mailbox selected at the points RFC 9051 section
// 7.5.1 allows, and at once in IDLE.
//
// The wire codec lives in imap/internal/wire: the command decoder with
// synchronising and non-synchronising literals, sequence sets, search keys,
// fetch items and the response encoder.
//
// Implemented:
//
//   - RFC 9051 IMAP4rev2 and RFC 3501 IMAP4rev1, every command of both;
//     modified UTF-7 mailbox names (RFC 3501 section 5.1.3), \Recent for
//     IMAP4rev1 clients (RFC 3501 section 2.3.2)
//   - RFC 2177 IDLE, RFC 2342 NAMESPACE, RFC 2971 ID, RFC 3502 MULTIAPPEND,
//     RFC 3516 BINARY, RFC 3691 UNSELECT, RFC 3348 CHILDREN
//   - RFC 4315 UIDPLUS, RFC 4731 ESEARCH, RFC 4959 SASL-IR (AUTHENTICATE
//     through directory.NewSASLServer), RFC 4978 COMPRESS=DEFLATE (with
//     its own inflater, imap/internal/inflate, which understands partial
//     flushes), RFC 5161 ENABLE, RFC 5182 SEARCHRES
//   - RFC 5256 SORT and THREAD (ORDEREDSUBJECT, REFERENCES), RFC 5957
//     SORT=DISPLAY, RFC 5267 ESORT (SORT RETURN), CONTEXT=SEARCH (SEARCH
//     RETURN (UPDATE) with ADDTO/REMOVEFROM, CANCELUPDATE, PARTIAL) and
//     CONTEXT=SORT (PARTIAL; SORT RETURN (UPDATE) gets OK [NOUPDATE])
//   - RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE and
//     CREATE-SPECIAL-USE, RFC 6851 MOVE, RFC 6855 UTF8=ACCEPT
//   - RFC 7162 CONDSTORE and QRESYNC, RFC 7888 LITERAL+, RFC 7889
//     APPENDLIMIT, RFC 8438 STATUS=SIZE, RFC 8474 OBJECTID, RFC 8970
//     PREVIEW, RFC 9208 QUOTA (one quota root per account), RFC 4469
//     CATENATE (URLs of this account's messages and of shared ones)
//   - RFC 4314 ACL with shared mailboxes: the rights live in mailstore;
//     another account's mailbox appears as "Other Users/<owner>/<name>",
//     the other users' namespace of NAMESPACE (RFC 2342), and every
//     command checks the rights of section 4 (NO [NOPERM]; without "l" a
//     mailbox reads as nonexistent). SELECT is read-only without any of
//     "i", "e", "s", "w" and "t" (section 5.2), and PERMANENTFLAGS lists
//     only the flags the rights allow; FETCH leaves \Seen alone without
//     "s"; APPEND and COPY drop the flags the user may not set.
//     The obsolete "c" and "d" stand for "k" and for "x", "t" and "e"
//     (section 2.1.1). IDLE on a shared mailbox follows its owner's
//     changes.
//   - STARTTLS and implicit TLS (RFC 8314); LOGIN and AUTHENTICATE are
//     refused without TLS unless Options.AllowInsecureAuth is set
//   - limits on command lines, literals, nesting, sessions per account and
//     connections per address, and an inactivity timeout of 30 minutes;
//     over the per-address limit an implicit-TLS connection is closed
//     without a plaintext BYE
//   - NUL octets only in binary literals (RFC 9051 section 4.3): BAD for a
//     NUL in a quoted string or another literal; BODY[] sends a stored
//     NUL as 0x80, BINARY[] as it is
//   - keywords come back as the client spelled them: registered keywords
//     (RFC 5788 registry) always, others as last set through this Server
//   - responses to pipelined commands leave in one write once no command
//     is waiting; COMPRESS=DEFLATE uses the fastest level, so a first sync
//     that fetches every message stays bound by the network
//
// Not yet:
//
//   - Shared mailboxes: negative rights ("-name"), groups as identifiers,
//     CREATE and RENAME in the other users' namespace, UNSUBSCRIBE of a
//     shared mailbox (one that is shared counts as subscribed), and
//     GETQUOTAROOT on a shared mailbox.
//   - Updated SORT results (RFC 5267), PARTIAL as RFC 9394 revised it, NOTIFY
//     (RFC 5465), URLAUTH (RFC 4467), METADATA (RFC 5464).
//   - Subscriptions to mailboxes that do not exist (LIST \NonExistent
//     \Subscribed after a DELETE): the store keeps subscription on the
//     mailbox itself.
//   - The zone of the internal date: the store keeps it as UTC seconds, so
//     SEARCH BEFORE/ON/SINCE compare UTC dates rather than those of the
//     zone given at APPEND (RFC 9051 section 6.4.4), and INTERNALDATE is
//     sent in +0000.
//   - The source route of an address (ENVELOPE addr-adl): the message
//     parser drops it.
//   - Keyword spellings that outlive the Server: the store keeps keywords
//     lower-cased.
//   - SEARCH with charsets other than UTF-8 and US-ASCII.
package imap
