package spamfilter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// ErrNoStore is returned by Train, Untrain, Moved and Greylist when the
// Filter has no Options.KV.
var ErrNoStore = errors.New("spamfilter: no key-value store configured")

// Filter scores messages. It is safe for concurrent use.
type Filter struct {
	opts     Options
	symbols  map[string]symbolInfo
	shorten  map[string]bool
	off      map[string]bool
	resolver Resolver
	log      *slog.Logger
}

// New returns a Filter. It fails when the thresholds are out of order or
// a DNSBL zone is malformed.
func New(opts Options) (*Filter, error) {
	opts = opts.withDefaults()
	if opts.Thresholds.Reject < opts.Thresholds.Junk {
		return nil, fmt.Errorf("spamfilter: reject threshold %v below junk threshold %v",
			opts.Thresholds.Reject, opts.Thresholds.Junk)
	}
	for _, z := range append(append([]DNSBLZone(nil), opts.DNSBL...), opts.URIBL...) {
		if err := z.validate(); err != nil {
			return nil, err
		}
	}
	f := &Filter{opts: opts, log: opts.Logger, resolver: opts.Resolver}
	if f.resolver == nil {
		f.resolver = net.DefaultResolver
	}
	f.symbols = make(map[string]symbolInfo, len(defaultSymbols))
	for name, info := range defaultSymbols {
		if s, ok := opts.Scores[name]; ok {
			info.score = s
		}
		f.symbols[name] = info
	}
	f.off = make(map[string]bool, len(opts.Disabled))
	for _, name := range opts.Disabled {
		delete(f.symbols, name)
		f.off[name] = true
	}
	f.shorten = make(map[string]bool, len(opts.URLShorteners))
	for _, h := range opts.URLShorteners {
		f.shorten[h] = true
	}
	return f, nil
}

// Input is a message with its SMTP context.
type Input struct {
	// Message is the whole message, header first; Check reads it up to
	// Options.MaxScanBytes and does not close it.
	Message io.Reader
	// ClientIP is the SMTP client's address; invalid when unknown, which
	// skips the DNSBL lookups.
	ClientIP netip.Addr
	// HELO is the name the client gave in EHLO or HELO.
	HELO string
	// MailFrom is the reverse-path, "" for the null reverse-path.
	MailFrom string
	// Recipients are the forward-paths; none turns RCPT_NOT_IN_HEADER
	// off.
	Recipients []string
	// Auth holds the SPF, DKIM, ARC and DMARC results; nil when they were
	// not checked, which turns the authentication rules off.
	Auth *mailauth.Results
	// Account, when set, is the account whose own Bayesian training is
	// used if it has enough; otherwise the shared counts are.
	Account string
}

// Check scores a message. An error is returned only when the message
// cannot be read or ctx ends; DNS failures and a store that cannot be
// read leave their rules out and are logged.
func (f *Filter) Check(ctx context.Context, in Input) (*Verdict, error) {
	if in.Message == nil {
		return nil, errors.New("spamfilter: check without a message")
	}
	c, err := parseContent(in.Message, f.opts.MaxScanBytes)
	if err != nil {
		return nil, err
	}
	v := &Verdict{BayesProbability: -1}
	add := func(name string) { f.hit(v, name) }
	f.authRules(in.Auth, add)
	f.headerRules(c, in, add)
	f.bodyRules(c, add)
	dnsHits := f.blocklists(ctx, in.ClientIP, c.domains(f.opts.MaxURIBLDomains))
	v.Hits = append(v.Hits, dnsHits...)
	if err := f.bayesRules(ctx, in.Account, c, v); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("check message: %w", ctx.Err())
		}
		f.log.LogAttrs(ctx, slog.LevelWarn, "spamfilter bayes unavailable",
			slog.String("err", err.Error()))
	}
	v.finish(f.opts.Thresholds)
	f.log.LogAttrs(ctx, slog.LevelDebug, "spamfilter verdict",
		slog.String("action", v.Action.String()), slog.Float64("score", v.Score),
		slog.Int("symbols", len(v.Hits)))
	return v, nil
}

// hit adds a symbol with its configured score; a disabled symbol is left
// out.
func (f *Filter) hit(v *Verdict, name string) {
	if info, ok := f.symbols[name]; ok {
		v.Hits = append(v.Hits, Hit{Name: name, Score: info.score, Description: info.desc})
	}
}

// disabled reports whether Options.Disabled names the symbol.
func (f *Filter) disabled(name string) bool { return f.off[name] }
