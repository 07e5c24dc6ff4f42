package spamfilter

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// DNSBLZone is one DNS blocklist (RFC 5782), such as "zen.spamhaus.org"
// for client addresses or "multi.uribl.com" for URL domains.
type DNSBLZone struct {
	// Zone is the list's domain, queried below.
	Zone string
	// Symbol names the hit in the verdict. Default SymDNSBL for address
	// lists, SymURIBL for domain lists.
	Symbol string
	// Score is the score of any listing that Returns does not map.
	// Zero takes the score of SymDNSBL or SymURIBL.
	Score float64
	// Returns maps answer addresses to their own symbols and scores, as
	// lists that encode the reason of a listing in the address do
	// (RFC 5782, section 2.1). When set, answers it does not name are
	// ignored.
	Returns []DNSBLReturn
}

// DNSBLReturn maps one answer of a list to a symbol and score.
type DNSBLReturn struct {
	// Answer is the address the list answers, such as "127.0.0.4", or a
	// prefix of them, such as "127.0.0.8/29".
	Answer string
	// Symbol defaults to the zone's; Score to the zone's.
	Symbol string
	Score  float64
}

func (z DNSBLZone) validate() error {
	if !validZone(z.Zone) {
		return fmt.Errorf("spamfilter: bad DNSBL zone %q", z.Zone)
	}
	for _, r := range z.Returns {
		if _, err := parseAnswer(r.Answer); err != nil {
			return fmt.Errorf("spamfilter: zone %s: %w", z.Zone, err)
		}
	}
	return nil
}

func validZone(z string) bool {
	z = strings.TrimSuffix(z, ".")
	if z == "" || len(z) > 200 {
		return false
	}
	for _, label := range strings.Split(z, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
	}
	return true
}

func parseAnswer(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("bad answer %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad answer %q: %w", s, err)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// dnsQuery is one lookup to make.
type dnsQuery struct {
	zone    DNSBLZone
	name    string // the full query name
	subject string // the address or domain asked about
	uri     bool
}

// blocklists asks every configured list about the client address and the
// URL domains, each lookup bounded by Options.DNSTimeout, all at once.
func (f *Filter) blocklists(ctx context.Context, ip netip.Addr, domains []string) []Hit {
	var qs []dnsQuery
	if rev := reverseIP(ip); rev != "" {
		for _, z := range f.opts.DNSBL {
			qs = append(qs, dnsQuery{z, rev + "." + strings.TrimSuffix(z.Zone, ".") + ".",
				ip.String(), false})
		}
	}
	for _, d := range domains {
		for _, z := range f.opts.URIBL {
			qs = append(qs, dnsQuery{z, d + "." + strings.TrimSuffix(z.Zone, ".") + ".", d, true})
		}
	}
	if len(qs) == 0 {
		return nil
	}
	results := make([][]Hit, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Go(func() { results[i] = f.lookup(ctx, q) })
	}
	wg.Wait()
	var hits []Hit
	seen := map[string]bool{}
	for _, hs := range results {
		for _, h := range hs {
			if !seen[h.Name] {
				seen[h.Name] = true
				hits = append(hits, h)
			}
		}
	}
	return hits
}

// lookup runs one query and maps its answers (RFC 5782, section 2.1: an
// A record in 127.0.0.0/8 means listed, "not found" means not listed).
func (f *Filter) lookup(ctx context.Context, q dnsQuery) []Hit {
	ctx, cancel := context.WithTimeout(ctx, f.opts.DNSTimeout)
	defer cancel()
	addrs, err := f.resolver.LookupNetIP(ctx, "ip4", q.name)
	if err != nil {
		if !mailauth.IsNotFound(err) {
			f.log.LogAttrs(ctx, slog.LevelDebug, "spamfilter dnsbl lookup failed",
				slog.String("zone", q.zone.Zone), slog.String("err", err.Error()))
		}
		return nil
	}
	var hits []Hit
	for _, a := range addrs {
		a = a.Unmap()
		if !listedAnswer(a) {
			f.log.LogAttrs(ctx, slog.LevelDebug, "spamfilter dnsbl answer ignored",
				slog.String("zone", q.zone.Zone), slog.String("answer", a.String()))
			continue
		}
		if h, ok := f.mapAnswer(q, a); ok {
			hits = append(hits, h)
		}
	}
	return hits
}

// listedAnswer reports whether a is a listing: inside 127.0.0.0/8 but not
// 127.0.0.1, which RFC 5782 (section 5) keeps for "not listed" tests, nor
// 127.255.255.0/24, where lists report errors such as a refused query.
func listedAnswer(a netip.Addr) bool {
	if !a.Is4() || a.As4()[0] != 127 {
		return false
	}
	b := a.As4()
	if b == [4]byte{127, 0, 0, 1} {
		return false
	}
	return !(b[1] == 255 && b[2] == 255)
}

func (f *Filter) mapAnswer(q dnsQuery, a netip.Addr) (Hit, bool) {
	def := SymDNSBL
	what := "client " + q.subject
	if q.uri {
		def, what = SymURIBL, "domain "+q.subject
	}
	sym, score := q.zone.Symbol, q.zone.Score
	if sym == "" {
		sym = def
	}
	if score == 0 {
		score = defaultSymbols[def].score
		if s, ok := f.opts.Scores[def]; ok {
			score = s
		}
	}
	if len(q.zone.Returns) > 0 {
		r, ok := matchReturn(q.zone.Returns, a)
		if !ok {
			return Hit{}, false
		}
		if r.Symbol != "" {
			sym = r.Symbol
		}
		if r.Score != 0 {
			score = r.Score
		}
	}
	if f.disabled(sym) {
		return Hit{}, false
	}
	desc := what + " listed on " + q.zone.Zone + " (" + a.String() + ")"
	return Hit{Name: sym, Score: score, Description: desc}, true
}

func matchReturn(rs []DNSBLReturn, a netip.Addr) (DNSBLReturn, bool) {
	for _, r := range rs {
		p, err := parseAnswer(r.Answer)
		if err == nil && p.Contains(a) {
			return r, true
		}
	}
	return DNSBLReturn{}, false
}

// reverseIP returns the query labels of an address (RFC 5782, section
// 2.1 for IPv4, section 2.4 for IPv6 nibbles), or "" for addresses no
// public list holds: loopback, private, link-local and unspecified.
func reverseIP(ip netip.Addr) string {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return ""
	}
	if ip.Is4() {
		b := ip.As4()
		return fmt.Sprintf("%d.%d.%d.%d", b[3], b[2], b[1], b[0])
	}
	b := ip.As16()
	var sb strings.Builder
	for i := len(b) - 1; i >= 0; i-- {
		sb.WriteString(strconv.FormatUint(uint64(b[i]&0xf), 16))
		sb.WriteByte('.')
		sb.WriteString(strconv.FormatUint(uint64(b[i]>>4), 16))
		if i > 0 {
			sb.WriteByte('.')
		}
	}
	return sb.String()
}
