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
//     ifInState, /query with position and anchor paging and
//     calculateTotal, Email/queryChanges, upload and download (6.1, 6.2),
//     Blob/copy (6.3), PushSubscription with verification (7.2) and
//     EventSource (7.3) with types, closeafter and ping. Mail states are
//     mailstore MODSEQs, so IMAP and JMAP writes move the same state.
//     Authentication by HTTP Basic (RFC 7617, refused without TLS unless
//     allowed) and Bearer tokens (RFC 6750) through a TokenValidator.
//   - RFC 8621 (JMAP Mail): Mailbox get/changes/set/query, Thread
//     get/changes, Email get (all header forms, bodyStructure,
//     bodyValues) /changes/query/queryChanges/set/import/parse,
//     SearchSnippet/get, Identity get/set, EmailSubmission get/set with
//     onSuccessUpdateEmail and onSuccessDestroyEmail through a Submitter,
//     VacationResponse get/set.
//   - RFC 8887 (JMAP over WebSocket) with push enable and disable.
//   - RFC 9404 (JMAP Blob management): Blob/upload and Blob/get.
//   - RFC 9425 (JMAP Quotas): Quota/get.
//   - RFC 9661 (JMAP for Sieve): SieveScript get/set/validate with
//     onSuccessActivateScript and onSuccessDeactivateScript, over
//     sieve.Storage.
//
// Not yet:
//   - Mailbox/queryChanges always answers cannotCalculateChanges, and so
//     does Email/queryChanges with collapseThreads.
//   - Email/copy: only one account is served, so every copy has no
//     source account (fromAccountNotFound).
//   - Email/set create builds a text and/or HTML body with attachments
//     from blobs and header:{name}[:asText|:asRaw] fields; arbitrary
//     bodyStructure trees and the other header forms are not read.
//   - Mailbox totalThreads and unreadThreads are the email counts.
//   - PushSubscription keys (RFC 8291 encryption) are refused.
//   - Identity/changes and EmailSubmission/changes only tell "no
//     change" or cannotCalculateChanges: those types keep no log.
//   - SieveScript/query, EmailSubmission sendAt in the future and undo,
//     delivery status reported back from the queue, Blob/lookup of RFC
//     9404.
//   - Uploads are never expired.
package jmap
