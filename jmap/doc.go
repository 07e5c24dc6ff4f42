// Package jmap serves JMAP over HTTP: an http.Handler that a host mounts
// at the root of its origin, serving the session resource, the API, the
// upload and download endpoints, an event source and a WebSocket, over
// mailstore.
//
// Implemented:
//   - RFC 8620 (JMAP Core): session resource (section 2), request and
//     response (3.3, 3.4), request-level problem details and method-level
//     errors (3.6), result references with JSON Pointer and "*" (3.7; "*"
//     also maps over the values of an object, as clients use it on
//     created maps), Core/echo, /get, /changes, /set with patches and
//     ifInState, /copy, /query with position and anchor paging and
//     calculateTotal, /queryChanges, upload and download (6.1, 6.2),
//     Blob/copy (6.3), PushSubscription with verification (7.2) and
//     EventSource (7.3) with types, closeafter and ping. Mail states are
//     mailstore MODSEQs, so IMAP and JMAP writes move the same state.
//     The handler's own types (Identity, EmailSubmission, SieveScript,
//     VacationResponse) keep a change log of their own for /changes.
//     Authentication by HTTP Basic (RFC 7617, refused without TLS unless
//     allowed) and Bearer tokens (RFC 6750) through a TokenValidator.
//     Accounts other than the user's own are served when the host grants
//     them through Options.Access (section 1.6.2), for mail data only.
//   - RFC 8621 (JMAP Mail): Mailbox get/changes/set/query/queryChanges
//     with exact totalThreads and unreadThreads (section 2), Thread
//     get/changes, Email get (all header forms, bodyStructure,
//     bodyValues) /changes/query/queryChanges/set/import/parse/copy
//     (copy across accounts with onSuccessDestroyOriginal),
//     SearchSnippet/get, Identity get/set/changes, EmailSubmission
//     get/set/changes with onSuccessUpdateEmail and onSuccessDestroyEmail
//     through a Submitter, VacationResponse get/set.
//   - RFC 8887 (JMAP over WebSocket) with push enable and disable.
//   - RFC 9404 (JMAP Blob management): Blob/upload and Blob/get.
//   - RFC 9425 (JMAP Quotas): Quota/get.
//   - RFC 9661 (JMAP for Sieve): SieveScript get/set/validate with
//     onSuccessActivateScript and onSuccessDeactivateScript, over
//     sieve.Storage.
//
// Email/query keeps the whole sorted result of a query paged deep into a
// large result, at the account's state, and cuts later pages from it.
//
// Not yet:
//   - Email/queryChanges with collapseThreads answers
//     cannotCalculateChanges; /queryChanges report every changed object
//     as removed and, when it still matches, added (which RFC 8620
//     section 5.6 allows) rather than the exact difference, and ignore
//     upToId.
//   - Mailbox/changes reports as updated every mailbox holding email of
//     a thread whose emails changed, and every mailbox holding email
//     once an email is destroyed, whether or not its thread counts moved.
//   - Email/set create builds a text and/or HTML body with attachments
//     from blobs and header:{name}[:asText|:asRaw] fields; arbitrary
//     bodyStructure trees and the other header forms are not read.
//   - PushSubscription keys (RFC 8291 encryption) are refused.
//   - Shared accounts are read-write or not shared: no read-only access
//     or per-mailbox rights, and no push (EventSource, WebSocket) for
//     them.
//   - SieveScript/query, EmailSubmission sendAt in the future and undo,
//     delivery status reported back from the queue, Blob/lookup of RFC
//     9404.
//   - Uploads are never expired.
package jmap
