package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/directory/password"
)

// Options configure a Core. The zero value is safe: argon2id for new
// secrets, no plain text, '+' subaddressing, case-insensitive local
// parts, failure limiting on.
type Options struct {
	// Logger receives authentication outcomes and backend faults; nil
	// discards.
	Logger *slog.Logger
	// Passwords configures hashing and which stored schemes verify.
	Passwords password.Options
	// SubaddressSeparators lists the characters that start a subaddress
	// detail (RFC 5233); default "+".
	SubaddressSeparators string
	// NoSubaddressing turns subaddress handling off.
	NoSubaddressing bool
	// CaseSensitive makes local parts case-sensitive (RFC 5321 section
	// 2.4 allows it); by default they are compared case-insensitively.
	CaseSensitive bool
	// MaxExpansionDepth bounds how deeply lists and groups nest; default
	// 10.
	MaxExpansionDepth int
	// MaxExpansion bounds the recipients one address expands to; default
	// 10000.
	MaxExpansion int
	// MaxAddressLength bounds addresses and user names in octets;
	// default 512 (RFC 5321 section 4.5.3.1 allows 64+1+255).
	MaxAddressLength int
	// MaxPasswordLength bounds passwords and tokens in octets; longer
	// ones fail at once, whatever the account; default 1024.
	MaxPasswordLength int
	// RateLimit limits authentication failures.
	RateLimit RateLimitOptions
	// Tokens checks OAuth 2.0 bearer tokens; nil disables OAUTHBEARER
	// and XOAUTH2.
	Tokens TokenValidator
}

// Core is a Directory built on a Backend: it adds authentication with
// failure limiting and constant-time behaviour, and address resolution.
// Backends embed it.
type Core struct {
	b     Backend
	o     Options
	log   *slog.Logger
	lim   *limiter
	dummy string // verified when an account is missing
	check pace   // duration of the backend's own password checks
}

var (
	_ Directory          = (*Core)(nil)
	_ TokenAuthenticator = (*Core)(nil)
)

// NewCore returns a Core over b.
func NewCore(b Backend, o Options) *Core {
	if o.SubaddressSeparators == "" {
		o.SubaddressSeparators = "+"
	}
	if o.MaxExpansionDepth <= 0 {
		o.MaxExpansionDepth = 10
	}
	if o.MaxExpansion <= 0 {
		o.MaxExpansion = 10000
	}
	if o.MaxAddressLength <= 0 {
		o.MaxAddressLength = 512
	}
	if o.MaxPasswordLength <= 0 {
		o.MaxPasswordLength = 1024
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Core{b: b, o: o, log: log, lim: newLimiter(o.RateLimit)}
	// A hash of the configured cost, so that a missing account costs the
	// same as a present one.
	c.dummy, _ = o.Passwords.Hash("dummy password for missing accounts")
	return c
}

// Backend returns the backend under c.
func (c *Core) Backend() Backend { return c.b }

// Options returns c's options with defaults filled in.
func (c *Core) Options() Options { return c.o }

// Lookup returns the principal with the login name, or ErrNotFound.
func (c *Core) Lookup(ctx context.Context, name string) (*Principal, error) {
	return c.b.Principal(ctx, strings.TrimSpace(name))
}

// Authenticate checks a password or app password (see Directory).
func (c *Core) Authenticate(ctx context.Context, cr Credentials) (*Principal, error) {
	name := strings.TrimSpace(cr.Username)
	key := strings.ToLower(name)
	if err := c.admit(ctx, cr.Remote, key); err != nil {
		return nil, err
	}
	p, err := c.checkPassword(ctx, name, cr.Password)
	if errors.Is(err, ErrInvalidCredentials) {
		c.lim.fail(cr.Remote, key)
		c.log.Info("authentication failed",
			slog.String("remote", cr.Remote.String()), slog.String("account", name))
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate %q: %w", name, err)
	}
	c.lim.succeed(cr.Remote, key)
	c.log.Info("authenticated",
		slog.String("remote", cr.Remote.String()), slog.String("account", p.Name))
	return p, nil
}

// checkPassword returns the principal or ErrInvalidCredentials; any
// other error is a backend fault.
func (c *Core) checkPassword(ctx context.Context, name, pw string) (*Principal, error) {
	if len(pw) > c.o.MaxPasswordLength {
		return nil, ErrInvalidCredentials
	}
	if name == "" || len(name) > c.o.MaxAddressLength || pw == "" {
		c.burn(pw)
		return nil, ErrInvalidCredentials
	}
	if pc, ok := c.b.(PasswordChecker); ok {
		return c.checkWith(ctx, pc, name, pw)
	}
	canon, secrets, err := c.secrets(ctx, name)
	if errors.Is(err, ErrNotFound) {
		c.burn(pw)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if !c.matchAny(canon, secrets, pw) {
		return nil, ErrInvalidCredentials
	}
	p, err := c.b.Principal(ctx, canon)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if p.Type != Individual {
		return nil, ErrInvalidCredentials
	}
	return p, nil
}

// checkWith lets the backend check the password (an LDAP bind).
// A missing account answers as late as a real check usually takes, so
// that a directory that refuses unknown names at once (an LDAP bind to a
// missing DN) does not reveal them.
func (c *Core) checkWith(ctx context.Context, pc PasswordChecker, name, pw string,
) (*Principal, error) {
	start := time.Now()
	p, err := c.timedCheck(ctx, pc, name, pw)
	if errors.Is(err, ErrNotFound) {
		if canon := c.nameByAddress(ctx, name); canon != "" {
			p, err = c.timedCheck(ctx, pc, canon, pw)
		}
	}
	if errors.Is(err, ErrNotFound) {
		c.burn(pw)
		c.check.wait(ctx, start)
		return nil, ErrInvalidCredentials
	}
	if err == nil && p.Type != Individual {
		return nil, ErrInvalidCredentials
	}
	return p, err
}

func (c *Core) timedCheck(ctx context.Context, pc PasswordChecker, name, pw string,
) (*Principal, error) {
	start := time.Now()
	p, err := pc.CheckPassword(ctx, name, pw)
	if err == nil || errors.Is(err, ErrInvalidCredentials) {
		c.check.observe(time.Since(start))
	}
	return p, err
}

// secrets finds the account by login name, then by address.
func (c *Core) secrets(ctx context.Context, name string) (string, []Secret, error) {
	s, err := c.b.Secrets(ctx, name)
	if !errors.Is(err, ErrNotFound) {
		return name, s, err
	}
	canon := c.nameByAddress(ctx, name)
	if canon == "" {
		return "", nil, ErrNotFound
	}
	s, err = c.b.Secrets(ctx, canon)
	return canon, s, err
}

// nameByAddress returns the one principal that holds name as an address,
// or "".
func (c *Core) nameByAddress(ctx context.Context, name string) string {
	a, err := ParseAddress(name, c.o.CaseSensitive, c.o.MaxAddressLength)
	if err != nil {
		return ""
	}
	names, err := c.byAddress(ctx, a.Local, a.Domain)
	if err != nil || len(names) != 1 {
		return ""
	}
	return names[0]
}

// matchAny verifies pw against each secret; it stops at the first match.
func (c *Core) matchAny(name string, secrets []Secret, pw string) bool {
	if len(secrets) == 0 {
		c.burn(pw)
		return false
	}
	for _, s := range secrets {
		ok, err := c.o.Passwords.Verify(s.Hash, pw)
		if err != nil {
			c.log.Warn("unusable stored secret",
				slog.String("account", name), slog.Any("err", err))
		}
		if ok {
			return true
		}
	}
	return false
}

// burn spends the time of one verification against the dummy hash.
func (c *Core) burn(pw string) {
	_, _ = c.o.Passwords.Verify(c.dummy, pw)
}

// TokensEnabled reports whether a token validator is configured.
func (c *Core) TokensEnabled() bool { return c.o.Tokens != nil }

// AuthenticateToken checks an OAuth 2.0 bearer token (RFC 7628) and
// returns the principal it was issued to.
func (c *Core) AuthenticateToken(ctx context.Context, tc TokenCredentials,
) (*Principal, error) {
	if c.o.Tokens == nil {
		return nil, ErrUnsupportedMechanism
	}
	key := strings.ToLower(strings.TrimSpace(tc.Username))
	if err := c.admit(ctx, tc.Remote, key); err != nil {
		return nil, err
	}
	p, err := c.checkToken(ctx, tc)
	if errors.Is(err, ErrInvalidCredentials) || errors.Is(err, ErrNotAuthorized) {
		c.lim.fail(tc.Remote, key)
		c.log.Info("token authentication failed",
			slog.String("remote", tc.Remote.String()), slog.Any("err", err))
	}
	if err == nil {
		c.lim.succeed(tc.Remote, key)
	}
	return p, err
}

// admit applies the failure limits before an attempt from remote for the
// account key: a locked-out pair or address gets ErrRateLimited, and an
// account attacked from many addresses waits (see RateLimitOptions).
func (c *Core) admit(ctx context.Context, remote netip.Addr, key string) error {
	wait, ok := c.lim.check(remote, key)
	if !ok {
		c.log.Warn("authentication rate limited",
			slog.String("remote", remote.String()), slog.String("account", key))
		return ErrRateLimited
	}
	if wait <= 0 {
		return nil
	}
	c.log.Info("authentication slowed", slog.String("remote", remote.String()),
		slog.String("account", key), slog.Duration("wait", wait))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("authenticate %q: %w", key, ctx.Err())
	}
}

func (c *Core) checkToken(ctx context.Context, tc TokenCredentials) (*Principal, error) {
	if len(tc.Token) > c.o.MaxPasswordLength {
		return nil, ErrInvalidCredentials
	}
	subject, err := c.o.Tokens.ValidateToken(ctx, tc.Token)
	if err != nil {
		// The validator's reason may quote the token: it is not kept.
		return nil, ErrInvalidCredentials
	}
	p, err := c.principalByNameOrAddress(ctx, subject)
	if err != nil {
		return nil, err
	}
	if tc.Username != "" && !c.refersTo(ctx, tc.Username, p) {
		return nil, ErrNotAuthorized
	}
	return p, nil
}

// principalByNameOrAddress maps a login name or an address to its
// principal; a missing one is ErrInvalidCredentials.
func (c *Core) principalByNameOrAddress(ctx context.Context, s string) (*Principal, error) {
	p, err := c.b.Principal(ctx, s)
	if errors.Is(err, ErrNotFound) {
		if canon := c.nameByAddress(ctx, s); canon != "" {
			p, err = c.b.Principal(ctx, canon)
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInvalidCredentials
	}
	return p, err
}

// refersTo reports whether s names p: its login name or one of its
// addresses.
func (c *Core) refersTo(ctx context.Context, s string, p *Principal) bool {
	if strings.EqualFold(strings.TrimSpace(s), p.Name) {
		return true
	}
	return c.nameByAddress(ctx, s) == p.Name
}

// pace keeps a moving average of how long password checks take.
type pace struct {
	mu  sync.Mutex
	avg time.Duration
}

func (p *pace) observe(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.avg == 0 {
		p.avg = d
		return
	}
	p.avg += (d - p.avg) / 8
}

// wait sleeps until the average check time has passed since start.
func (p *pace) wait(ctx context.Context, start time.Time) {
	p.mu.Lock()
	d := p.avg - time.Since(start)
	p.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
