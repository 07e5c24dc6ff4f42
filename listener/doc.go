// Package listener holds the pieces every Bulwark protocol server puts in
// front of its sessions: a listener that accepts the PROXY protocol (v1 and
// v2, as HAProxy specifies it) from trusted networks only, so that the real
// client address reaches every check; a limit of concurrent connections per
// client address; and a per-key rate limiter.
//
// The SMTP, IMAP, ManageSieve and HTTP servers share it.
//
// Implemented:
//   - PROXY protocol v1 (text) and v2 (binary), through
//     github.com/pires/go-proxyproto, from configured networks only.
//   - Per-address connection counting, IPv6 clients grouped by /64.
//   - Token-bucket rate limiting keyed by any string.
//
// Not yet:
//   - PROXY v2 TLV fields (TLS details, unique id) are not exposed.
package listener
