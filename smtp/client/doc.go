// Package client is Bulwark's outbound SMTP and LMTP client: a
// Deliverer sends a message to the recipients of one domain, through
// the domain's MX hosts or a configured relay, and returns one result
// per recipient. The queue (package queue) uses it as its Transport.
//
// Implemented:
//   - RFC 5321 section 5: MX hosts by preference, addresses AAAA then A,
//     the domain's own address records when it has no MX, the next host
//     on a connection failure or a 4xx before the transaction; RFC 7505
//     null MX as a permanent failure (556 5.1.10).
//   - RFC 5321 replies, multi-line included, with RFC 2034 / RFC 3463
//     enhanced status codes; one result per recipient, and one per
//     recipient after DATA for LMTP (RFC 2033).
//   - RFC 3207 STARTTLS: opportunistic (any certificate) by default,
//     verified when REQUIRETLS (RFC 8689), an enforced MTA-STS policy or
//     a relay's RequireTLS asks; RFC 8314 implicit TLS to relays.
//   - RFC 4954 AUTH PLAIN and LOGIN to relays (smarthosts), over TLS
//     only; relays per domain or for all mail; LMTP as a relay kind.
//   - RFC 2920 PIPELINING, RFC 1870 SIZE, RFC 3030 CHUNKING (BDAT),
//     RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 3461 DSN parameters,
//     RFC 8689 REQUIRETLS.
//   - RFC 8461 MTA-STS: the _mta-sts TXT record, the policy fetched over
//     HTTPS with an injectable http.Client, cached for max_age and
//     refreshed when the record's id changes; in enforce mode an MX not
//     matching the policy or without a valid certificate is refused.
//   - RFC 7672 DANE for SMTP, through an injectable DANEResolver (or
//     DNSSECResolver, which trusts the AD bit of a validating resolver):
//     with DNSSEC-validated TLSA records of an MX host, STARTTLS is
//     required and the certificate must match a DANE-EE (usage 3) or
//     DANE-TA (usage 2) record; PKIX usages are not used (section
//     3.1.3); DANE takes precedence over MTA-STS for that host.
//   - RFC 8460 TLS reporting data: successes and failures per policy
//     domain, by result type and host (Deliverer.TLSReport).
//
// Choices:
//   - 8-bit content to a server without 8BITMIME is converted to 7-bit
//     as it is sent (RFC 6152, section 3): 8bit and binary leaf parts
//     are re-encoded, text as quoted-printable and the rest as base64,
//     nested messages in turn. A message whose header fields hold 8-bit
//     bytes cannot be converted and fails with 554 5.6.3
//     (ErrNo8BitMIME); an address that needs SMTPUTF8 fails with 553
//     5.6.7 (ErrNoSMTPUTF8). Converted content breaks DKIM signatures
//     made over the 8-bit form.
//   - A session that ended its transaction cleanly stays open for
//     Options.IdleTimeout and carries the next message to the same host
//     with the same TLS demands; Close ends idle sessions. A session the
//     remote closed meanwhile is replaced by a new one.
//   - With CHUNKING the stored bytes are sent as one BDAT LAST chunk;
//     with DATA lines are dot-stuffed and ended with CRLF.
//
// Not yet:
//   - DANE: whether the MX RRset itself was DNSSEC-validated is not
//     checked (the Resolver interface does not carry the AD bit), and
//     TLSA names are not expanded through CNAMEs (RFC 7672, section
//     2.2.2).
//   - TLS report figures are kept in memory until the host takes them
//     (queue.SendTLSReports mails them); they do not survive a restart.
//   - Falling back to plain text after a failed opportunistic STARTTLS
//     on the same host; the next host is tried instead.
package client
