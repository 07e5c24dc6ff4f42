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

// recordingResolver notes every name asked of a go-mockdns resolver.
type recordingResolver struct {
	mockdns.Resolver
	mu    sync.Mutex
	names []string
}

func (r *recordingResolver) note(kind, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, kind+" "+strings.TrimSuffix(name, "."))
}

func (r *recordingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.note("TXT", name)
	return r.Resolver.LookupTXT(ctx, name)
}

func (r *recordingResolver) LookupNetIP(ctx context.Context, network, host string) (
	[]netip.Addr, error) {
	r.note(network, host)
	return r.Resolver.LookupNetIP(ctx, network, host)
}

const ip6Name = "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" +
	".ip6._spf.example.com"

// TestSPFMacroIPv6 covers case 025: %{ir} and %{v} for an IPv6 client.
func TestSPFMacroIPv6(t *testing.T) {
	zones := map[string]mockdns.Zone{
		"email.example.com.": {TXT: []string{"v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all"}},
		ip6Name + ".":        {A: []string{"127.0.0.2"}},
	}
	r := &recordingResolver{Resolver: mockdns.Resolver{Zones: zones}}
	v := &Verifier{Resolver: r}
	ip := netip.MustParseAddr("2001:db8::cb01")
	got := v.CheckSPF(t.Context(), ip, "mx.email.example.com", "sam@email.example.com")
	if got.Result != SPFPass {
		t.Fatalf("CheckSPF = %s (%s), want pass", got.Result, got.Problem)
	}
	if want := "ip4 " + ip6Name; r.names[len(r.names)-1] != want {
		t.Errorf("last query %q, want %q", r.names[len(r.names)-1], want)
	}
	delete(zones, ip6Name+".")
	if got := v.CheckSPF(t.Context(), ip, "mx.email.example.com",
		"sam@email.example.com"); got.Result != SPFFail {
		t.Errorf("without the A record: %s, want fail", got.Result)
	}
}

func TestSPFMacros(t *testing.T) {
	e := &spfEval{senderLocal: "strong-bad", senderDomain: "email.example.com",
		helo: "mx.example.org", hostname: "mx.bulwark.test", now: time.Unix(1700000000, 0)}
	tests := []struct {
		ip, in, want string
		exp          bool
	}{
		{"2001:db8::cb01", "%{i}",
			"2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1", false},
		{"2001:db8::cb01", "%{ir}.%{v}._spf.%{d2}", ip6Name, false},
		{"::ffff:192.0.2.3", "%{ir}.%{v}", "3.2.0.192.in-addr", false},
		{"192.0.2.3", "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com", false},
		// RFC 7208, section 7.4 examples.
		{"192.0.2.3", "%{s}", "strong-bad@email.example.com", false},
		{"192.0.2.3", "%{o}", "email.example.com", false},
		{"192.0.2.3", "%{d4}", "email.example.com", false},
		{"192.0.2.3", "%{d3}", "email.example.com", false},
		{"192.0.2.3", "%{d2}", "example.com", false},
		{"192.0.2.3", "%{d1}", "com", false},
		{"192.0.2.3", "%{dr}", "com.example.email", false},
		{"192.0.2.3", "%{d2r}", "example.email", false},
		{"192.0.2.3", "%{l}", "strong-bad", false},
		{"192.0.2.3", "%{l-}", "strong.bad", false},
		{"192.0.2.3", "%{lr}", "strong-bad", false},
		{"192.0.2.3", "%{lr-}", "bad.strong", false},
		{"192.0.2.3", "%{l1r-}", "strong", false},
		{"192.0.2.3", "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com", false},
		{"192.0.2.3", "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", false},
		{"192.0.2.3", "%{h}", "mx.example.org", false},
		{"192.0.2.3", "%%%_%-", "% %20", false},
		{"192.0.2.3", "%{L}", "strong-bad", false},
		{"192.0.2.3", "%{C} %{r} %{t}", "192.0.2.3 mx.bulwark.test 1700000000", true},
		{"2001:db8::cb01", "%{c}", "2001:db8::cb01", true},
	}
	for _, tc := range tests {
		e.ip = netip.MustParseAddr(tc.ip).Unmap()
		got, err := expandMacros(tc.in, tc.exp, e.macroValue(t.Context(), "email.example.com"))
		if err != nil || got != tc.want {
			t.Errorf("expand(%q, %s) = %q, %v, want %q", tc.in, tc.ip, got, err, tc.want)
		}
	}
	for _, bad := range []string{"%{c}", "%{x}", "%{d0}", "%{d", "%", "%a", "%{l;}"} {
		if _, err := expandMacros(bad, false, e.macroValue(t.Context(), "x.example")); err == nil {
			t.Errorf("expand(%q) succeeded, want a syntax error", bad)
		}
	}
}

// TestSPFLimits crosses SPFMaxLookups and SPFMaxVoidLookups.
func TestSPFLimits(t *testing.T) {
	zones := map[string]mockdns.Zone{
		"three.example.": {TXT: []string{"v=spf1 a:a1.three.example a:a2.three.example " +
			"a:a3.three.example -all"}},
		"a1.three.example.": {A: []string{"10.0.0.1"}},
		"a2.three.example.": {A: []string{"10.0.0.2"}},
		"a3.three.example.": {A: []string{"10.0.0.3"}},
		"void.example.":     {TXT: []string{"v=spf1 a:n1.void.example a:n2.void.example -all"}},
	}
	ip := netip.MustParseAddr("10.0.0.3")
	tests := []struct {
		name          string
		domain        string
		lookups, void int
		want          SPFResult
	}{
		{"three lookups within a limit of 3", "three.example", 3, 0, SPFPass},
		{"three lookups over a limit of 2", "three.example", 2, 0, SPFPermError},
		{"two void lookups within 2", "void.example", 0, 2, SPFFail},
		{"two void lookups over 1", "void.example", 0, 1, SPFPermError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &Verifier{Resolver: &mockdns.Resolver{Zones: zones},
				SPFMaxLookups: tc.lookups, SPFMaxVoidLookups: tc.void}
			got := v.CheckSPF(t.Context(), ip, "helo.example", "a@"+tc.domain)
			if got.Result != tc.want {
				t.Errorf("CheckSPF = %s (%s), want %s", got.Result, got.Problem, tc.want)
			}
		})
	}
}

func TestCheckSPFIdentities(t *testing.T) {
	zones := map[string]mockdns.Zone{
		"helo.example.":   {TXT: []string{"v=spf1 ip4:192.0.2.1 -all"}},
		"sender.example.": {TXT: []string{"v=spf1 ~all"}},
	}
	v := &Verifier{Resolver: &mockdns.Resolver{Zones: zones}}
	ip := netip.MustParseAddr("192.0.2.1")
	got := v.CheckSPF(t.Context(), ip, "helo.example", "")
	if got.Result != SPFPass || got.Identity != SPFIdentityHELO ||
		got.Sender != "postmaster@helo.example" {
		t.Errorf("null reverse-path: %+v, want pass for postmaster@helo.example", got)
	}
	got = v.CheckSPF(t.Context(), ip, "helo.example", "bob@sender.example")
	if got.Result != SPFSoftFail || got.Identity != SPFIdentityMailFrom ||
		got.Domain != "sender.example" {
		t.Errorf("reverse-path: %+v, want softfail for sender.example", got)
	}
	if got := v.CheckHELO(t.Context(), ip, "[192.0.2.1]"); got.Result != SPFNone {
		t.Errorf("address literal HELO: %s, want none", got.Result)
	}
}

// TestSPFOverWireDNS runs a check through *net.Resolver against a
// go-mockdns server on the loopback interface.
func TestSPFOverWireDNS(t *testing.T) {
	srv, err := mockdns.NewServerWithLogger(map[string]mockdns.Zone{
		"wire.example.":    {TXT: []string{"v=spf1 a:mx.wire.example -all"}},
		"mx.wire.example.": {A: []string{"192.0.2.7"}},
	}, quietLog{}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := &Verifier{Resolver: NewCache(srv.NewResolver(), CacheOptions{})}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tests := []struct {
		ip, sender string
		want       SPFResult
	}{
		{"192.0.2.7", "a@wire.example", SPFPass},
		{"192.0.2.8", "a@wire.example", SPFFail},
		{"192.0.2.8", "a@nowhere.wire.example", SPFNone},
	}
	for _, tc := range tests {
		got := v.CheckSPF(ctx, netip.MustParseAddr(tc.ip), "h.example", tc.sender)
		if got.Result != tc.want {
			t.Errorf("CheckSPF(%s, %s) = %s (%s), want %s", tc.ip, tc.sender, got.Result,
				got.Problem, tc.want)
		}
	}
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}

// TestSPFPMacroLookedUpOnce checks that many %{p} macros cost one PTR
// lookup, so a record cannot multiply queries through them.
func TestSPFPMacroLookedUpOnce(t *testing.T) {
	zones := map[string]mockdns.Zone{
		"p.example.": {TXT: []string{
			"v=spf1 exists:%{p}.%{p}.%{p}.%{p}.x.p.example -all"}},
		"1.2.0.192.in-addr.arpa.": {PTR: []string{"mail.p.example."}},
		"mail.p.example.":         {A: []string{"192.0.2.1"}},
		"mail.p.example.mail.p.example.mail.p.example.mail.p.example.x.p.example.": {
			A: []string{"127.0.0.2"}},
	}
	r := &recordingResolver{Resolver: mockdns.Resolver{Zones: zones}}
	v := &Verifier{Resolver: r}
	got := v.CheckSPF(t.Context(), mustAddr("192.0.2.1"), "h.example", "a@p.example")
	if got.Result != SPFPass {
		t.Fatalf("CheckSPF = %s (%s), want pass", got.Result, got.Problem)
	}
	n := 0
	for _, q := range r.names {
		if q == "ip4 mail.p.example" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("validated the PTR name %d times, want once: %v", n, r.names)
	}
}

func TestReceivedSPF(t *testing.T) {
	c := SPFCheck{Result: SPFFail, Identity: SPFIdentityMailFrom, Sender: "a@example.com",
		Domain: "example.com", IP: mustAddr("2001:db8::1"), HELO: "mx.example.com"}
	got := c.ReceivedSPF("mx.bulwark.test")
	for _, want := range []string{"Received-SPF: fail (mx.bulwark.test: domain of",
		"client-ip=2001:db8::1;", "envelope-from=a@example.com;", "helo=mx.example.com;",
		"identity=mailfrom;", "receiver=mx.bulwark.test"} {
		if !strings.Contains(strings.ReplaceAll(got, "\r\n ", " "), want) {
			t.Errorf("ReceivedSPF lacks %q:\n%s", want, got)
		}
	}
	c = SPFCheck{Result: SPFPermError, Identity: SPFIdentityHELO, Sender: "postmaster@h",
		IP: mustAddr("192.0.2.1"), HELO: "h", Problem: "more than 10 DNS lookups"}
	if got := c.ReceivedSPF("r"); !strings.Contains(got, `problem="more than 10 DNS lookups"`) ||
		strings.Contains(got, "envelope-from") {
		t.Errorf("ReceivedSPF = %s", got)
	}
}
