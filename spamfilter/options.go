package spamfilter

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// Resolver is the DNS access of the DNSBL checks. Its method is that of
// *net.Resolver and of mailauth.Resolver, so either can be passed; tests
// pass go-mockdns. A name that does not exist must be reported as a
// *net.DNSError with IsNotFound set: for a DNSBL that means "not listed"
// (RFC 5782, section 2.1).
type Resolver interface {
	// LookupNetIP looks up A ("ip4") or AAAA ("ip6") records.
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configures a Filter. The zero value is usable: rules and the
// Bayesian classifier (when KV is set) with the default scores and
// thresholds, no DNSBL and no greylisting.
type Options struct {
	// KV holds the Bayesian token counts and the greylisting triplets in
	// spaces whose names begin with "spam_". Nil turns both off.
	KV store.KV
	// Resolver answers DNSBL queries. Nil means net.DefaultResolver.
	Resolver Resolver
	// Logger receives debug events about verdicts and DNS failures. Nil
	// discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// Thresholds decide the action from the score.
	Thresholds Thresholds
	// Scores overrides the default score of a symbol by name (see the
	// Sym constants); a score of 0 keeps the symbol in the verdict
	// without weight.
	Scores map[string]float64
	// Disabled lists symbols that never fire.
	Disabled []string

	// DNSBL lists the IP-address blocklists asked about the client
	// address (RFC 5782, section 2.1). Default none.
	DNSBL []DNSBLZone
	// URIBL lists the domain blocklists asked about the registered
	// domains of URLs in the body (RFC 5782, section 2.3). Default none.
	URIBL []DNSBLZone
	// DNSTimeout bounds each DNSBL lookup. Default 2 seconds.
	DNSTimeout time.Duration
	// MaxURIBLDomains bounds the domains of one message asked about.
	// Default 20.
	MaxURIBLDomains int

	// Bayes configures the classifier.
	Bayes BayesOptions
	// Greylist configures greylisting; off by default.
	Greylist GreylistOptions

	// URLShorteners lists the host names of URL shortening services.
	// Nil means DefaultURLShorteners().
	URLShorteners []string
	// MaxURLs is the count of URLs in the body past which URL_MANY
	// fires. Default 30.
	MaxURLs int
	// MaxHeaderRecipients is the count of To and Cc addresses past which
	// RCPT_MANY fires. Default 50.
	MaxHeaderRecipients int
	// MaxFutureDate and MaxPastDate bound how far the Date field may lie
	// from the time of arrival before DATE_IN_FUTURE or DATE_IN_PAST
	// fires. Defaults 24 hours and 30 days.
	MaxFutureDate time.Duration
	MaxPastDate   time.Duration
	// MaxScanBytes bounds the bytes of a message read for scoring or
	// training; the rest is ignored. Default 10 MiB.
	MaxScanBytes int64
}

// Thresholds map a score to an action. A message scoring at least Junk
// is filed in Junk; at least Reject it is refused.
type Thresholds struct {
	// Junk defaults to 6.
	Junk float64
	// Reject defaults to 15.
	Reject float64
}

// Default thresholds.
const (
	DefaultJunkThreshold   = 6.0
	DefaultRejectThreshold = 15.0
)

// Other defaults.
const (
	DefaultDNSTimeout          = 2 * time.Second
	DefaultMaxURIBLDomains     = 20
	DefaultMaxURLs             = 30
	DefaultMaxHeaderRecipients = 50
	DefaultMaxFutureDate       = 24 * time.Hour
	DefaultMaxPastDate         = 30 * 24 * time.Hour
	DefaultMaxScanBytes        = 10 << 20
)

// DefaultURLShorteners returns well-known URL shortening services, whose
// links hide where they lead.
func DefaultURLShorteners() []string {
	return []string{
		"bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly",
		"is.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc",
		"rb.gy", "s.id", "t.ly", "v.gd", "bl.ink", "soo.gd", "shorte.st",
		"adf.ly", "x.co", "lnkd.in", "tr.im", "qr.net", "1url.com",
	}
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Thresholds.Junk == 0 {
		o.Thresholds.Junk = DefaultJunkThreshold
	}
	if o.Thresholds.Reject == 0 {
		o.Thresholds.Reject = DefaultRejectThreshold
	}
	if o.DNSTimeout <= 0 {
		o.DNSTimeout = DefaultDNSTimeout
	}
	if o.MaxURIBLDomains <= 0 {
		o.MaxURIBLDomains = DefaultMaxURIBLDomains
	}
	if o.URLShorteners == nil {
		o.URLShorteners = DefaultURLShorteners()
	}
	if o.MaxURLs <= 0 {
		o.MaxURLs = DefaultMaxURLs
	}
	if o.MaxHeaderRecipients <= 0 {
		o.MaxHeaderRecipients = DefaultMaxHeaderRecipients
	}
	if o.MaxFutureDate <= 0 {
		o.MaxFutureDate = DefaultMaxFutureDate
	}
	if o.MaxPastDate <= 0 {
		o.MaxPastDate = DefaultMaxPastDate
	}
	if o.MaxScanBytes <= 0 {
		o.MaxScanBytes = DefaultMaxScanBytes
	}
	o.Bayes = o.Bayes.withDefaults()
	o.Greylist = o.Greylist.withDefaults()
	return o
}
