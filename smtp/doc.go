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
//   - Delivery status notifications: when some recipients of an SMTP
//     (not LMTP) message fail permanently after DATA while others
//     succeed, the failure is logged but no bounce is sent.
//   - VRFY and EXPN answer 252 and never disclose addresses.
//   - 8-bit content sent without BODY=8BITMIME is not refused, and NUL
//     bytes in DATA are kept.
//   - Lines of DATA over MaxTextLineLength are refused, not wrapped.
//   - SMTP AUTH mechanisms beyond the directory's (no SCRAM, no
//     EXTERNAL with client certificates).
package smtp
