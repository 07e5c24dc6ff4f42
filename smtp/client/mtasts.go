package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoPolicy is returned by MTASTS.Policy for a domain that publishes
// no MTA-STS record.
var ErrNoPolicy = errors.New("client: no MTA-STS policy")

// maxPolicyBytes bounds a fetched policy (RFC 8461, section 3.3 asks
// senders to cap it; 64 KiB is the RFC's example).
const maxPolicyBytes = 64 << 10

// Policy is an MTA-STS policy (RFC 8461, section 3.2).
type Policy struct {
	Mode   string // "enforce", "testing" or "none"
	MX     []string
	MaxAge time.Duration
	ID     string // the id of the TXT record it was fetched under
}

// Enforced reports whether p is in enforce mode; false for nil.
func (p *Policy) Enforced() bool { return p != nil && p.Mode == "enforce" }

// Match reports whether host matches one of the policy's mx patterns,
// a leading "*." matching exactly one label (RFC 8461, section 4.1).
func (p *Policy) Match(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, pat := range p.MX {
		pat = strings.ToLower(pat)
		if rest, ok := strings.CutPrefix(pat, "*."); ok {
			_, tail, found := strings.Cut(host, ".")
			if found && tail == rest {
				return true
			}
			continue
		}
		if host == pat {
			return true
		}
	}
	return false
}

// ParsePolicy parses a policy file (RFC 8461, section 3.2).
func ParsePolicy(text string) (*Policy, error) {
	p := &Policy{}
	version := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "version":
			version = v
		case "mode":
			p.Mode = v
		case "mx":
			p.MX = append(p.MX, v)
		case "max_age":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 31557600 {
				return nil, fmt.Errorf("parse MTA-STS policy: bad max_age %q", v)
			}
			p.MaxAge = time.Duration(n) * time.Second
		}
	}
	if version != "STSv1" {
		return nil, fmt.Errorf("parse MTA-STS policy: version %q", version)
	}
	switch p.Mode {
	case "enforce", "testing", "none":
	default:
		return nil, fmt.Errorf("parse MTA-STS policy: mode %q", p.Mode)
	}
	if p.Mode != "none" && len(p.MX) == 0 {
		return nil, errors.New("parse MTA-STS policy: no mx")
	}
	return p, nil
}

// MTASTS finds and caches the MTA-STS policies of recipient domains
// (RFC 8461, section 3). It is safe for concurrent use.
type MTASTS struct {
	// Resolver looks up the _mta-sts TXT record.
	Resolver Resolver
	// HTTPClient fetches policies; it must verify the server
	// certificate. Default a client with a 60 s timeout.
	HTTPClient *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]*Policy
	exp   map[string]time.Time
}

func (m *MTASTS) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Policy returns the policy of domain: the cached one while its TXT id
// is unchanged and its max_age runs, else a fresh one fetched over
// HTTPS (RFC 8461, section 3.3). ErrNoPolicy when none is published.
func (m *MTASTS) Policy(ctx context.Context, domain string) (*Policy, error) {
	domain = strings.ToLower(domain)
	id, txtErr := m.recordID(ctx, domain)
	m.mu.Lock()
	cached, exp := m.cache[domain], m.exp[domain]
	m.mu.Unlock()
	fresh := cached != nil && m.now().Before(exp)
	switch {
	case txtErr != nil && fresh:
		return cached, nil // RFC 8461, section 5.1: keep a cached policy
	case txtErr != nil:
		return nil, txtErr
	case fresh && cached.ID == id:
		return cached, nil
	}
	p, err := m.fetch(ctx, domain)
	if err != nil {
		if fresh {
			return cached, nil
		}
		return nil, err
	}
	p.ID = id
	m.mu.Lock()
	if m.cache == nil {
		m.cache, m.exp = map[string]*Policy{}, map[string]time.Time{}
	}
	m.cache[domain], m.exp[domain] = p, m.now().Add(p.MaxAge)
	m.mu.Unlock()
	return p, nil
}

// policy returns the domain's policy for sending, or nil.
func (m *MTASTS) policy(ctx context.Context, domain string, log *slog.Logger) *Policy {
	p, err := m.Policy(ctx, domain)
	if err != nil && !errors.Is(err, ErrNoPolicy) {
		log.Warn("MTA-STS policy unavailable", "domain", domain, "err", err)
	}
	return p
}

// recordID reads the id of the _mta-sts TXT record (RFC 8461, section
// 3.1).
func (m *MTASTS) recordID(ctx context.Context, domain string) (string, error) {
	txts, err := m.Resolver.LookupTXT(ctx, "_mta-sts."+domain)
	if isNotFound(err) {
		return "", ErrNoPolicy
	}
	if err != nil {
		return "", fmt.Errorf("look up MTA-STS record: %w", err)
	}
	for _, t := range txts {
		if !strings.HasPrefix(t, "v=STSv1") {
			continue
		}
		for _, f := range strings.Split(t, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "id="); ok {
				return v, nil
			}
		}
	}
	return "", ErrNoPolicy
}

// fetch gets the policy file over HTTPS.
func (m *MTASTS) fetch(ctx context.Context, domain string) (*Policy, error) {
	url := "https://mta-sts." + domain + "/.well-known/mta-sts.txt"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch MTA-STS policy: %w", err)
	}
	hc := &http.Client{Timeout: time.Minute}
	if m.HTTPClient != nil {
		c := *m.HTTPClient
		hc = &c
	}
	// RFC 8461, section 3.3: redirects must not be followed.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch MTA-STS policy: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch MTA-STS policy: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return nil, fmt.Errorf("fetch MTA-STS policy: media type %q", ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch MTA-STS policy: %w", err)
	}
	if len(body) > maxPolicyBytes {
		return nil, fmt.Errorf("fetch MTA-STS policy: larger than %d bytes", maxPolicyBytes)
	}
	return ParsePolicy(string(body))
}
