package mailauth

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foxcpp/go-mockdns"
)

// txtCounter counts TXT queries per name and can fail them.
type txtCounter struct {
	mockdns.Resolver
	mu      sync.Mutex
	queries map[string]int
	fail    map[string]bool
}

func newTXTCounter(zones map[string]mockdns.Zone) *txtCounter {
	return &txtCounter{Resolver: mockdns.Resolver{Zones: zones},
		queries: map[string]int{}, fail: map[string]bool{}}
}

func (r *txtCounter) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.mu.Lock()
	r.queries[name]++
	fail := r.fail[name]
	r.mu.Unlock()
	if fail {
		return nil, errTemp
	}
	return r.Resolver.LookupTXT(ctx, name)
}

func (r *txtCounter) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries[name]
}

var heloZones = map[string]mockdns.Zone{
	"mail.org.example.":   {TXT: []string{"v=spf1 ip4:192.0.2.1 -all"}},
	"other.example.":      {TXT: []string{"v=spf1 -all"}},
	"bounce.org.example.": {TXT: []string{"v=spf1 ip4:192.0.2.1 -all"}},
	"_dmarc.org.example.": {TXT: []string{"v=DMARC1; p=reject"}},
}

// TestHELOCheckedEverySession checks that a transaction with a
// reverse-path still gets its HELO identity checked (RFC 7208, section
// 2.3), once for all the transactions of the session.
func TestHELOCheckedEverySession(t *testing.T) {
	r := newTXTCounter(heloZones)
	v := &Verifier{Resolver: r}
	ip := mustAddr("192.0.2.1")
	for i := range 3 {
		c := v.CheckSPF(t.Context(), ip, "mail.org.example", "a@other.example")
		if c.Result != SPFFail || c.Identity != SPFIdentityMailFrom {
			t.Fatalf("transaction %d: %s for %s, want fail for the MAIL FROM", i, c.Result,
				c.Identity)
		}
		if c.HELOCheck == nil || c.HELOCheck.Result != SPFPass ||
			c.HELOCheck.Identity != SPFIdentityHELO || c.HELOCheck.Domain != "mail.org.example" {
			t.Fatalf("transaction %d: HELO check %+v, want pass for mail.org.example", i,
				c.HELOCheck)
		}
	}
	if n := r.count("mail.org.example"); n != 1 {
		t.Errorf("HELO policy queried %d times in one session, want 1", n)
	}
	if n := r.count("other.example"); n != 3 {
		t.Errorf("MAIL FROM policy queried %d times for 3 transactions, want 3", n)
	}
	// Another client giving the same name is another session.
	v.CheckSPF(t.Context(), mustAddr("192.0.2.9"), "mail.org.example", "a@other.example")
	if n := r.count("mail.org.example"); n != 2 {
		t.Errorf("HELO policy queried %d times for two clients, want 2", n)
	}
}

// TestNullPathFallsBackToHELO checks RFC 7208, section 2.4: a null
// reverse-path is checked as postmaster@HELO, from the HELO result.
func TestNullPathFallsBackToHELO(t *testing.T) {
	r := newTXTCounter(heloZones)
	v := &Verifier{Resolver: r, Hostname: "mx.bulwark.test"}
	ip := mustAddr("192.0.2.1")
	h := v.CheckHELO(t.Context(), ip, "mail.org.example")
	c := v.CheckSPF(t.Context(), ip, "mail.org.example", "")
	if c.Result != h.Result || c.Identity != SPFIdentityHELO ||
		c.Sender != "postmaster@mail.org.example" || c.HELOCheck == nil {
		t.Fatalf("null path: %+v, want the HELO result %s", c, h.Result)
	}
	if n := r.count("mail.org.example"); n != 1 {
		t.Errorf("HELO policy queried %d times, want 1", n)
	}
	ar := v.AuthenticationResults(&Results{SPF: c})
	if !strings.Contains(ar, "spf=pass smtp.helo=mail.org.example") {
		t.Errorf("Authentication-Results does not rest SPF on HELO:\n%s", ar)
	}
	c = v.CheckSPF(t.Context(), ip, "mail.org.example", "a@other.example")
	ar = v.AuthenticationResults(&Results{SPF: c})
	if !strings.Contains(ar, "spf=fail smtp.mailfrom=a@other.example") ||
		strings.Contains(ar, "smtp.helo") {
		t.Errorf("Authentication-Results for a reverse-path:\n%s", ar)
	}
}

// TestHELOCacheExpiry checks the cache's lifetime, that temporary errors
// are not kept, and that it can be turned off.
func TestHELOCacheExpiry(t *testing.T) {
	r := newTXTCounter(heloZones)
	now := time.Unix(1_800_000_000, 0)
	v := &Verifier{Resolver: r, Now: func() time.Time { return now },
		SPFHELOCacheTTL: time.Minute}
	ip := mustAddr("192.0.2.1")
	v.CheckHELO(t.Context(), ip, "mail.org.example")
	now = now.Add(59 * time.Second)
	v.CheckHELO(t.Context(), ip, "mail.org.example")
	if n := r.count("mail.org.example"); n != 1 {
		t.Fatalf("queried %d times within the TTL, want 1", n)
	}
	now = now.Add(2 * time.Second)
	v.CheckHELO(t.Context(), ip, "mail.org.example")
	if n := r.count("mail.org.example"); n != 2 {
		t.Errorf("queried %d times after the TTL, want 2", n)
	}

	r.fail["other.example"] = true
	for range 2 {
		if c := v.CheckHELO(t.Context(), ip, "other.example"); c.Result != SPFTempError {
			t.Fatalf("HELO with failing DNS = %s, want temperror", c.Result)
		}
	}
	if n := r.count("other.example"); n != 2 {
		t.Errorf("temperror queried %d times, want 2: it must not be kept", n)
	}

	off := &Verifier{Resolver: r, SPFHELOCacheTTL: -1}
	off.CheckHELO(t.Context(), ip, "bounce.org.example")
	off.CheckHELO(t.Context(), ip, "bounce.org.example")
	if n := r.count("bounce.org.example"); n != 2 || len(off.helo.m) != 0 {
		t.Errorf("cache off: %d queries, %d kept; want 2, 0", n, len(off.helo.m))
	}
}

// TestHELOCacheBounded fills the cache past its size.
func TestHELOCacheBounded(t *testing.T) {
	v := &Verifier{Resolver: &mockdns.Resolver{Zones: heloZones}, SPFHELOCacheSize: 8}
	for i := range 50 {
		ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		v.CheckHELO(t.Context(), ip, "mail.org.example")
		if len(v.helo.m) > 8 {
			t.Fatalf("after %d clients: %d entries, want at most 8", i+1, len(v.helo.m))
		}
	}
}

// TestDMARCAlignsOnMailFrom checks that a passing HELO in the From
// domain does not give DMARC an aligned SPF pass (RFC 7489, section 4.1)
// while the MAIL FROM identity fails, and that a null path aligns on the
// HELO domain, which is then the MAIL FROM identity.
func TestDMARCAlignsOnMailFrom(t *testing.T) {
	v := &Verifier{Resolver: &mockdns.Resolver{Zones: heloZones}, Sample: func(int) bool {
		return true
	}}
	ip := mustAddr("192.0.2.1")
	msg := "From: a@org.example\r\nSubject: x\r\n\r\nbody\r\n"

	spf := v.CheckSPF(t.Context(), ip, "mail.org.example", "a@other.example")
	res, err := v.Verify(t.Context(), strings.NewReader(msg), spf)
	if err != nil {
		t.Fatal(err)
	}
	if res.DMARC.SPFAligned || res.DMARC.Status != DMARCFail {
		t.Errorf("HELO pass counted for DMARC: %+v", res.DMARC)
	}
	if got := res.DMARC.Row.AuthResults.SPF[0]; got.Scope != "mfrom" ||
		got.Domain != "other.example" {
		t.Errorf("report SPF row = %+v, want mfrom other.example", got)
	}

	spf = v.CheckSPF(t.Context(), ip, "mail.org.example", "")
	res, err = v.Verify(t.Context(), strings.NewReader(msg), spf)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DMARC.SPFAligned || res.DMARC.Status != DMARCPass {
		t.Errorf("null path through a passing HELO in the From domain: %+v", res.DMARC)
	}
}
