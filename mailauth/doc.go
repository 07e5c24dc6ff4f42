// Package mailauth authenticates mail: SPF, DKIM, DMARC and ARC checks for
// an inbound server, DKIM signing and ARC sealing for outgoing and
// forwarded mail, and the Authentication-Results header field.
//
// A receiving server keeps one Verifier (with a Cache in front of its DNS
// resolver) and calls, per transaction:
//
//	spf := v.CheckSPF(ctx, clientIP, helo, mailFrom)    // at MAIL FROM, HELO too
//	msg, _, err := mailauth.StripForged(data, v.Hostname, max) // after DATA
//	res, err := v.Verify(ctx, msg, spf)                 // DKIM, ARC, DMARC
//	field := v.AuthenticationResults(res)               // prepend to the message
//
// res.DMARC.Disposition tells the host's policy what the domain owner asks
// for; res.DMARC.Row goes to an Aggregator for aggregate reports. A
// submission server or the queue signs with a Signer; a forwarder seals
// with a Sealer. Messages are read once, as streams: only the header
// section is held in memory.
//
// All DNS goes through the Resolver interface, which *net.Resolver and
// go-mockdns's resolver satisfy.
//
// Implemented:
//   - RFC 7208 (SPF): check_host() with every result, macros (including
//     IPv6 nibbles), include, redirect, exp, the ten DNS-querying terms
//     limit and the two void lookups limit (both options), the ten address
//     lookups per mx mechanism, ptr and the p macro; the HELO identity
//     checked for every session, once (a cache per client address and
//     name), and the MAIL FROM identity, which falls back to
//     postmaster@HELO for a null reverse-path (sections 2.3, 2.4).
//   - RFC 6376 (DKIM): verification of every signature (bounded by an
//     option), simple and relaxed canonicalization, l=, t=, x=, i=, key
//     records (k=, h=, s=, t=s, revoked keys, raw PKCS#1 keys), tag-lists
//     with duplicate tags refused (section 3.2); signing with chosen and
//     over-signed header fields, folded only between tags, between h=
//     names and inside base64 values.
//   - RFC 8463 (Ed25519-SHA256) and RFC 8301 (no rsa-sha1, RSA keys of at
//     least 1024 bits).
//   - RFC 7489 (DMARC): policy discovery at the From domain then its
//     organizational domain (public suffix list), strict and relaxed SPF
//     and DKIM alignment, p=, sp=, pct= sampling with the next lower policy
//     outside the sample, np= for non-existent subdomains (RFC 9091),
//     aggregate report records, their collection per
//     domain and the aggregate report XML (written and read, also from
//     report e-mails with zip or gzip attachments).
//   - RFC 8617 (ARC): chain validation (structure, cv= states, newest
//     ARC-Message-Signature, every ARC-Seal over the sets up to its own,
//     and the oldest-pass instance, reported as header.oldest-pass) and
//     sealing of a new set.
//   - RFC 8601 (Authentication-Results): writing the field (with RFC 6008
//     header.b), parsing it, and removing fields that claim this host's
//     authserv-id (section 5); Received-SPF (RFC 7208, section 9.1).
//
// Not yet:
//   - DMARC failure (ruf=) reports; aggregate reports are built but the
//     host sends them.
//   - DMARCbis tree walk: the organizational domain comes from the public
//     suffix list only.
//   - The DNS cache uses one TTL for all answers, since the resolvers
//     behind net.Resolver do not expose record TTLs.
//   - DKIM signing with several keys at once is done by calling several
//     Signers; there is no key rotation helper.
package mailauth
