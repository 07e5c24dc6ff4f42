// Package smtp is Bulwark's SMTP server: the inbound MTA, the message
// submission agent and the LMTP delivery agent, from one session engine.
//
// A Server runs a staged pipeline per connection (connect, EHLO, AUTH,
// MAIL, RCPT, DATA or BDAT, the complete message) where the host takes
// part through Hooks: each stage may go on, reject or defer with a reply
// code and enhanced status code carried by *Error. With no hooks the
// defaults apply: inbound and LMTP servers accept mail for the
// directory's local domains only; submission servers require AUTH and a
// sender address the client owns, and hand remote recipients to a Relay.
// Accepted messages are spooled (in memory up to Options.SpoolMemory,
// then in a temporary file) and given to a Delivery; StoreDelivery files
// them in mailstore, one blob for every local recipient, with a Route
// hook where Sieve decides the mailbox, and hands remote recipients to
// the Relay. "250" is sent only after Delivery returns.
//
// Implemented:
//   - RFC 5321 SMTP, with the limits of section 4.5.3.1 and the timeouts
//     of section 4.5.3.2 as options; Received fields (section 4.4) with
//     the protocol names of RFC 3848; loop detection by Received count.
//   - RFC 1870 SIZE, RFC 2034 ENHANCEDSTATUSCODES (codes of RFC 3463),
//     RFC 2920 PIPELINING, RFC 3030 CHUNKING and BINARYMIME, RFC 3207
//     STARTTLS, RFC 3461 DSN parameters (kept on the Envelope for the
//     queue), RFC 4954 AUTH (SASL mechanisms of package directory),
//     RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 8689 REQUIRETLS (the
//     parameter is kept on the Envelope), RFC 8314 implicit TLS.
//   - RFC 6409 message submission: authentication required, sender
//     ownership checked; Options.RelayNetworks for trusted applications.
//   - RFC 2033 LMTP with one reply per recipient.
//   - RFC 5321, section 6.1: when an SMTP message is stored for some
//     recipients and fails for others, the failed ones go to the Relay
//     if it is a FailureRelay (the queue), which retries temporary
//     failures and notifies the sender of permanent ones (RFC 3464, as
//     NOTIFY asks); "250" follows once they are recorded, so that the
//     client does not send the message again.
//   - RFC 5321, section 4.5.1: "<Postmaster>" and postmaster at every
//     local domain are accepted and go to Options.Postmaster.
//   - The PROXY protocol from trusted networks (package listener).
//   - SMTP smuggling defence: only CRLF "." CRLF ends DATA; bare CR and
//     LF are refused or normalised (Options.BareLineEndings).
//   - Limits per connection, per client address and per sender.
//   - Forward-confirmed reverse DNS of the client (RFC 8601 "iprev")
//     through an injected Resolver, for hooks and the Received field.
//
// Not yet:
//   - The server keeps no queue of its own: remote recipients need a
//     Relay (the queue package) from the host.
//   - Without a FailureRelay, a message that failed after DATA for
//     some recipients only is deferred whole when any failure is
//     temporary (those who have it may get it twice), and permanent
//     failures are only logged: no notification is sent.
//   - Recipients retried by the queue are filed by its LocalDelivery
//     (the inbox, for queue.MailstoreDelivery), without the Route and
//     Sieve stage.
//   - VRFY and EXPN answer 252 and never disclose addresses.
//   - 8-bit content sent without BODY=8BITMIME is not refused, and NUL
//     bytes in DATA are kept.
//   - Lines of DATA over MaxTextLineLength are refused, not wrapped.
//   - SMTP AUTH mechanisms beyond the directory's (no SCRAM, no
//     EXTERNAL with client certificates).
package smtp
