// Package spamfilter scores inbound messages and decides what to do with
// them: deliver, file in the recipient's Junk mailbox, or refuse. A host
// runs Filter.Check on each message with its SMTP context (client
// address, HELO, reverse-path, recipients and the sender authentication
// results of package mailauth) and gets a Verdict: the score, the symbols
// that fired with their scores and descriptions, and the action that the
// configured thresholds give. The verdict is written into the message as
// X-Spam-Status, X-Spam-Score and X-Spam-Flag (see HeaderStatus); hosts
// strip those fields from received mail first with StripHeaders.
//
// The score adds up:
//   - Sender authentication: SPF (RFC 7208), DKIM (RFC 6376), DMARC
//     (RFC 7489) and ARC (RFC 8617) results, failures and missing ones.
//   - Header sanity (RFC 5322, section 3.6): missing Date, Message-ID,
//     From, To or Subject; a Date far in the future or the past; a From
//     display name holding an address of another domain; a Subject in
//     capitals; many To and Cc addresses; a From domain other than the
//     reverse-path's without DMARC pass; envelope recipients missing from
//     To and Cc; a HELO name that is not a fully qualified domain
//     (RFC 5321, section 4.1.1.1).
//   - Body: HTML without a plain text part; many URLs; URLs whose host is
//     an IP address; URLs of link shortening services.
//   - DNS blocklists (RFC 5782): the client address, reversed, under each
//     configured zone (section 2.1, and section 2.4 for IPv6), with the
//     answer address mapped to a symbol and score; optionally the
//     registered domains of body URLs under domain lists (section 2.3).
//     Each lookup has its own timeout and all run at once; DNS goes
//     through an injected Resolver.
//   - A Bayesian classifier: Robinson's token probabilities combined with
//     Fisher's chi-square method, over words of the subject and the
//     decoded body text, the From domain and URL hosts. Counts are kept
//     per account and shared, in the host's store.KV (spaces
//     "spam_bayes_tokens", "spam_bayes_totals", "spam_bayes_seen"); an
//     account's own counts are used once it has trained
//     BayesOptions.MinSpam and MinHam messages, else the shared ones,
//     and neither scores before that. Train, Untrain and Moved feed it;
//     Moved takes a user's move into or out of the Junk mailbox
//     (RFC 6154 special use), and JunkWatcher finds those moves itself
//     in mailstore's change notifications and change log, whichever
//     protocol made them. A message is known by a digest of its bytes,
//     so it counts once, and moving it back changes its class.
//
// Greylisting (RFC 6647) is separate from scoring: Filter.Greylist, called
// at RCPT, defers the first attempt of a (client network, sender,
// recipient) triplet with "451 4.7.1" and passes a retry after the delay.
// Triplets are kept in the "spam_greylist" space. JunkWatcher keeps how
// far it read each account's changes, and which emails were in Junk, in
// "spam_watch_state" and "spam_watch_junk".
//
// Not yet:
//   - A message that arrives and is moved into Junk before JunkWatcher
//     reads the change log in between counts as an arrival in Junk and
//     is not trained; messages filed in Junk by the filter are never
//     trained on their own (no automatic learning).
//   - Per-recipient verdicts: one message gets one score; the Bayesian
//     counts of one account are used only when the host names it.
//   - Fuzzy hashes, neural or Markov classifiers, reputation of senders
//     and domains, and phishing lists, as larger filters keep.
//   - DNSWL allow lists, and a check that a link's visible text names the
//     host its href leads to.
package spamfilter
