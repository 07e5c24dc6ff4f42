// Package queue is Bulwark's persistent outbound queue: it keeps mail
// for other servers in a store.KV (one record per message with the state
// of each recipient, and a due-time index) and a store.BlobStore (the
// content, once), and delivers it through a Transport (the SMTP client
// of package smtp/client) or, for domains served here, a LocalDelivery
// such as MailstoreDelivery.
//
// Submit (and Enqueue, which makes *Queue the smtp.Relay of the SMTP
// server) returns only once the message is durable. A scheduler hands
// due messages to workers, highest priority first; a worker leases the
// message in the store (Options.LeaseTime), delivers its due recipients
// domain by domain with at most Options.MaxPerDomain deliveries per
// domain at once, and records every outcome, the notifications it
// causes and the lease's release in one transaction. Several Queue
// instances may share one store: each message is delivered by the one
// holding its lease, and a lease left by a crashed instance is taken
// over when it expires. A restarted instance with the same Node name
// resumes its own leases at once.
//
// Temporary failures are retried per recipient on Options.Backoff
// (default 2m, 5m, 10m, 15m, 30m, 1h, then every 2h) until
// Options.Expiry (default 5 days); a delay notification goes out after
// Options.WarnAfter (default 4h).
//
// Implemented:
//   - RFC 3461 DSN parameters: NOTIFY (NEVER, SUCCESS, FAILURE, DELAY),
//     ORCPT, RET (FULL, HDRS) and ENVID, kept per message and recipient
//     and passed on to the next hop.
//   - RFC 3464 delivery status notifications as RFC 6522
//     multipart/report messages: failure, delay and success, with the
//     original message (RET=FULL, failures only) or its header section
//     (text/rfc822-headers); multi-line remote replies are joined into
//     one folded Diagnostic-Code field. Notifications are sent from the
//     null reverse-path and never caused by mail from it (RFC 5321,
//     section 4.5.5; RFC 3461, section 6.2). Notifications about
//     internationalised addresses use RFC 6533
//     message/global-delivery-status with utf-8 address types.
//   - RFC 5321, section 6.1: EnqueueFailures (smtp.FailureRelay) takes
//     the recipients an SMTP server could not deliver to after accepting
//     the message for others; temporary failures are retried here,
//     permanent ones notified at once. The envelope types come from
//     package mailenv, so the queue does not depend on the SMTP server.
//   - RFC 5321, section 4.5.1: MailstoreDelivery.Postmaster receives
//     postmaster at every local domain.
//   - RFC 6376 DKIM signing of mail as it is queued (DKIMSigner, on
//     package mailauth), keyed by the reverse-path's domain.
//   - RFC 8689 REQUIRETLS and RFC 6531 SMTPUTF8 carried to the client.
//   - RFC 8460 SMTP TLS reporting: SendTLSReports turns the client's
//     TLS results into aggregate JSON reports, gzip-compressed in
//     multipart/report mail to the mailto: addresses of each policy
//     domain's _smtp._tls record.
//   - Management: List, Inspect, Retry and Cancel per message or
//     recipient; Metrics (size, oldest age, outcomes by status code).
//
// Not yet:
//   - The per-domain limit is per instance, not shared by the instances
//     of one store; per-host limits live in the client.
//   - A lease is renewed between the domains of a message, not during
//     one domain's delivery: LeaseTime must exceed the longest SMTP
//     session.
//   - Notifications are in English only, and the delivery counters of
//     Metrics are per instance and start at zero.
//   - No per-domain retry state: each recipient backs off on its own.
//   - TLS reports go to mailto: addresses only (not https:), are not
//     signed with DKIM unless Options.Sign covers the sender's domain,
//     and their figures live in memory until SendTLSReports takes them;
//     results of "tlsa" policies carry no policy-string.
//   - Blobs of delivered messages are only unreferenced; sweeping them
//     is store.BlobRefs.Sweep's job, run by the host.
package queue
