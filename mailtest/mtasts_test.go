package mailtest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
)

func TestMTASTS(t *testing.T) {
	srv := newServer(t)
	mx, err := srv.AddRemoteMX("sts.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.PublishMTASTS("sts.test", "enforce", 24*time.Hour, "mx.other.test"); err != nil {
		t.Fatalf("PublishMTASTS: %v", err)
	}
	ctx := context.Background()
	sts := &client.MTASTS{Resolver: srv.DNS(), HTTPClient: srv.HTTPClient()}
	p, err := sts.Policy(ctx, "sts.test")
	if err != nil || !p.Enforced() || len(p.MX) != 1 || p.MX[0] != "mx.other.test" ||
		p.MaxAge != 24*time.Hour {
		t.Fatalf("Policy = %+v, %v", p, err)
	}
	d := client.New(client.Options{Hostname: "app.example.org", Resolver: srv.DNS(),
		Port: srv.RemotePort(), TLSConfig: srv.RemoteTLSConfig(), MaxHosts: 1, MTASTS: sts})
	t.Cleanup(func() { d.Close() })
	if err := send(t, d, "sts.test", "user@sts.test"); err == nil {
		t.Error("delivery to an MX outside the enforced policy succeeded")
	}
	if n := len(mx.Messages()); n != 0 {
		t.Errorf("host outside the policy recorded %d messages", n)
	}
	// A new policy under a new id lists the host.
	if err := srv.PublishMTASTS("sts.test", "enforce", time.Hour, mx.Host); err != nil {
		t.Fatal(err)
	}
	sts2 := &client.MTASTS{Resolver: srv.DNS(), HTTPClient: srv.HTTPClient()}
	d2 := client.New(client.Options{Hostname: "app.example.org", Resolver: srv.DNS(),
		Port: srv.RemotePort(), TLSConfig: srv.RemoteTLSConfig(), MaxHosts: 1, MTASTS: sts2})
	t.Cleanup(func() { d2.Close() })
	if err := send(t, d2, "sts.test", "user@sts.test"); err != nil {
		t.Errorf("delivery under a matching policy: %v", err)
	}
	t.Run("http", func(t *testing.T) {
		c := srv.HTTPClient()
		res, err := c.Get("https://mta-sts.sts.test/.well-known/mta-sts.txt")
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "mx: mx.sts.test") {
			t.Errorf("policy = %d %q", res.StatusCode, body)
		}
		res, err = c.Get("https://mta-sts.sts.test/other")
		if err != nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("other path = %v, %v", res, err)
		}
		if err == nil {
			res.Body.Close()
		}
		if _, err := c.Get("https://unknown.test/"); err == nil {
			t.Error("Get of an unknown host succeeded")
		}
	})
}
