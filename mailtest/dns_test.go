package mailtest_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/bulwarkmail/bulwark/mailauth"
)

func TestDNS(t *testing.T) {
	srv := newServer(t)
	d := srv.DNS()
	ctx := context.Background()
	d.AddMX("Remote.test", "mx1.remote.test", 10)
	d.AddA("mx1.remote.test.", netip.MustParseAddr("192.0.2.7"))
	d.AddA("mx1.remote.test", netip.MustParseAddr("2001:db8::7"))
	d.AddPTR(netip.MustParseAddr("192.0.2.7"), "mx1.remote.test")
	d.AddMTASTS("remote.test", "2026120301")

	mx, err := d.LookupMX(ctx, "REMOTE.test.") // names are case-insensitive
	if err != nil || len(mx) != 1 || mx[0].Host != "mx1.remote.test." || mx[0].Pref != 10 {
		t.Errorf("LookupMX = %v, %v", mx, err)
	}
	tests := []struct {
		network string
		want    string
	}{
		{"ip4", "192.0.2.7"},
		{"ip6", "2001:db8::7"},
	}
	for _, tt := range tests {
		ips, err := d.LookupNetIP(ctx, tt.network, "mx1.remote.test")
		if err != nil || len(ips) != 1 || ips[0].String() != tt.want {
			t.Errorf("LookupNetIP(%s) = %v, %v; want %s", tt.network, ips, err, tt.want)
		}
	}
	names, err := d.LookupAddr(ctx, "192.0.2.7")
	if err != nil || len(names) != 1 || names[0] != "mx1.remote.test." {
		t.Errorf("LookupAddr = %v, %v", names, err)
	}
	txt, err := d.LookupTXT(ctx, "_mta-sts.remote.test")
	if err != nil || len(txt) != 1 || txt[0] != "v=STSv1; id=2026120301" {
		t.Errorf("LookupTXT = %v, %v", txt, err)
	}
	hosts, err := d.LookupHost(ctx, "mx1.remote.test")
	if err != nil || len(hosts) != 2 {
		t.Errorf("LookupHost = %v, %v", hosts, err)
	}
	// A missing name is "not found", as mailauth.Resolver asks.
	if _, err := d.LookupTXT(ctx, "missing.test"); !mailauth.IsNotFound(err) {
		t.Errorf("LookupTXT(missing) = %v, want not found", err)
	}
	if _, err := d.PublishDKIMKey("x.test", "s", nil); err == nil {
		t.Error("PublishDKIMKey(nil key) succeeded")
	}
}
