package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/spamfilter"
	"github.com/bulwarkmail/bulwark/store"
)

// greylistPurgeEvery is how often expired greylisting triplets are
// removed, by the session that finds the last purge that old.
const greylistPurgeEvery = time.Hour

func (c SpamConfig) validate() error {
	if c.GreylistDelay != "" {
		if d, err := time.ParseDuration(c.GreylistDelay); err != nil || d <= 0 {
			return fmt.Errorf("key %q: bad duration %q", "spam.greylist_delay", c.GreylistDelay)
		}
	}
	if c.JunkThreshold < 0 || c.RejectThreshold < 0 {
		return fmt.Errorf("keys %q and %q: must not be negative",
			"spam.junk_threshold", "spam.reject_threshold")
	}
	junk, reject := c.JunkThreshold, c.RejectThreshold
	if junk == 0 {
		junk = spamfilter.DefaultJunkThreshold
	}
	if reject == 0 {
		reject = spamfilter.DefaultRejectThreshold
	}
	if reject < junk {
		return fmt.Errorf("key %q: below the junk threshold %v", "spam.reject_threshold", junk)
	}
	return nil
}

// newSpamFilter builds the filter of cfg, nil when it is off.
func newSpamFilter(cfg SpamConfig, kv store.KV, res mailauth.Resolver,
	log *slog.Logger) (*spamfilter.Filter, error) {
	if !cfg.Enable {
		return nil, nil
	}
	opts := spamfilter.Options{
		KV:         kv,
		Resolver:   res,
		Logger:     log,
		Thresholds: spamfilter.Thresholds{Junk: cfg.JunkThreshold, Reject: cfg.RejectThreshold},
		Bayes:      spamfilter.BayesOptions{Disabled: !cfg.Bayes},
		Greylist:   spamfilter.GreylistOptions{Enabled: cfg.Greylist},
	}
	if cfg.GreylistDelay != "" {
		opts.Greylist.Delay, _ = time.ParseDuration(cfg.GreylistDelay)
	}
	for _, z := range cfg.DNSBL {
		opts.DNSBL = append(opts.DNSBL, spamfilter.DNSBLZone{Zone: z})
	}
	for _, z := range cfg.URIBL {
		opts.URIBL = append(opts.URIBL, spamfilter.DNSBLZone{Zone: z})
	}
	f, err := spamfilter.New(opts)
	if err != nil {
		return nil, fmt.Errorf("spam filter: %w", err)
	}
	return f, nil
}

// spamCheck runs the filter in the inbound SMTP pipeline.
type spamCheck struct {
	f        *spamfilter.Filter
	greylist bool
	log      *slog.Logger

	mu        sync.Mutex
	lastPurge time.Time
}

// hooks returns next with greylisting before its Rcpt stage and scoring
// before its Message stage. Installed inside the AuthCheck hooks, the
// scoring sees the authentication results.
func (c *spamCheck) hooks(next smtp.Hooks) smtp.Hooks {
	rcpt, message := next.Rcpt, next.Message
	next.Rcpt = func(ctx context.Context, s *smtp.Session, env *smtp.Envelope,
		r *smtp.Recipient) error {
		if err := c.checkRcpt(ctx, s, env, r); err != nil {
			return err
		}
		if rcpt != nil {
			return rcpt(ctx, s, env, r)
		}
		return nil
	}
	next.Message = func(ctx context.Context, m *smtp.Message) error {
		if err := c.checkMessage(ctx, m); err != nil {
			return err
		}
		if message != nil {
			return message(ctx, m)
		}
		return nil
	}
	return next
}

// spamApplies reports whether a session's mail is scored: inbound mail from
// clients that did not authenticate.
func spamApplies(s *smtp.Session) bool {
	return s.Mode == smtp.ModeInbound && s.Principal == nil
}

// checkRcpt defers a new triplet with "451 4.7.1" (RFC 6647, section 2.1).
func (c *spamCheck) checkRcpt(ctx context.Context, s *smtp.Session, env *smtp.Envelope,
	r *smtp.Recipient) error {
	if !c.greylist || !spamApplies(s) {
		return nil
	}
	c.purge(ctx)
	res, err := c.f.Greylist(ctx, spamfilter.Triplet{
		ClientIP: s.Remote.Addr(), Sender: env.ReversePath, Recipient: r.Address})
	if err != nil {
		return err
	}
	if res.Deferred {
		return smtp.Defer(smtp.EnhancedCode{4, 7, 1},
			"Greylisted, please try again in "+res.RetryAfter.Round(time.Second).String())
	}
	return nil
}

// purge removes expired triplets at most once per greylistPurgeEvery.
func (c *spamCheck) purge(ctx context.Context) {
	c.mu.Lock()
	due := time.Since(c.lastPurge) >= greylistPurgeEvery
	if due {
		c.lastPurge = time.Now()
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if _, err := c.f.PurgeGreylist(ctx); err != nil {
		c.log.Warn("greylist purge", "err", err)
	}
}

// checkMessage scores the message, writes the verdict fields over any a
// sender wrote, files spam in Junk and refuses what passes the reject
// threshold with "550 5.7.1".
func (c *spamCheck) checkMessage(ctx context.Context, m *smtp.Message) error {
	if !spamApplies(m.Session) {
		return nil
	}
	m.Filter(func(r io.Reader) io.Reader {
		return spamfilter.StripHeaders(r, spamfilter.HeaderNames(), 0)
	})
	env, s := m.Envelope, m.Session
	in := spamfilter.Input{
		Message:  m.Reader(),
		ClientIP: s.Remote.Addr().Unmap(),
		HELO:     s.Hello,
		MailFrom: env.ReversePath,
		Auth:     env.Auth,
	}
	for _, r := range env.Recipients {
		in.Recipients = append(in.Recipients, r.Address)
	}
	if len(env.Recipients) == 1 && len(env.Recipients[0].Accounts) == 1 {
		in.Account = env.Recipients[0].Accounts[0]
	}
	v, err := c.f.Check(ctx, in)
	if err != nil {
		return err
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "spam verdict", slog.String("conn", s.ID),
		slog.String("msg", m.ID), slog.Float64("score", v.Score),
		slog.String("action", v.Action.String()))
	if v.Action == spamfilter.ActionReject {
		return smtp.Reject(550, smtp.EnhancedCode{5, 7, 1}, "Message refused as spam")
	}
	m.AddHeader(spamfilter.HeaderScore, v.ScoreHeader())
	m.AddHeader(spamfilter.HeaderStatus, v.StatusHeader())
	if v.Action == spamfilter.ActionJunk {
		m.AddHeader(spamfilter.HeaderFlag, "YES")
		env.Quarantine = true
	}
	return nil
}

// startJunkWatcher trains the classifier from every move into and out of
// Junk, whichever protocol made it, until ctx ends or the returned stop
// is called; stop waits for the watcher to finish.
func startJunkWatcher(ctx context.Context, cfg SpamConfig, b *backend,
	log *slog.Logger) (stop func(), err error) {
	if !cfg.Enable || !cfg.Bayes {
		return func() {}, nil
	}
	f, err := newSpamFilter(cfg, b.kv, nil, log)
	if err != nil {
		return nil, err
	}
	w := &spamfilter.JunkWatcher{Filter: f, Source: b.mail, Logger: log}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(wctx)
	}()
	return func() {
		cancel()
		<-done
	}, nil
}
