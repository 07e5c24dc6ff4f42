package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/foxcpp/go-mockdns"
)

// policyServer answers policy fetches from a map of host to body.
type policyServer map[string]string

func (p policyServer) RoundTrip(r *http.Request) (*http.Response, error) {
	body, ok := p[r.URL.Host]
	if !ok || r.URL.Scheme != "https" || r.URL.Path != "/.well-known/mta-sts.txt" {
		return &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader(""))}, nil
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}},
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

func TestMTASTSEnforce(t *testing.T) {
	srvCfg, roots, err := clienttest.Cert("mx2.example.net")
	if err != nil {
		t.Fatal(err)
	}
	plain := start(t, &clienttest.Server{})
	good := start(t, &clienttest.Server{Extensions: []string{"STARTTLS"}, TLSConfig: srvCfg})
	z := zones("example.net", "mx1.example.net", "mx2.example.net")
	z["_mta-sts.example.net."] = mockdns.Zone{TXT: []string{"v=STSv1; id=20261203"}}
	r := &mockdns.Resolver{Zones: z}
	sts := &MTASTS{Resolver: r, HTTPClient: &http.Client{Transport: policyServer{
		"mta-sts.example.net": "version: STSv1\nmode: enforce\nmx: *.example.net\n" +
			"max_age: 86400\n"}}}
	ports := map[string]int{"mx1.example.net": plain.Port(), "mx2.example.net": good.Port()}

	t.Run("host without tls refused", func(t *testing.T) {
		d := New(Options{Resolver: r, Dial: dialer(ports), MTASTS: sts,
			TLSConfig: &tls.Config{RootCAs: roots}})
		if _, err := d.Deliver(context.Background(), "example.net",
			msg(testBody, "a@example.net")); err != nil {
			t.Fatal(err)
		}
		if len(plain.Messages()) != 0 || len(good.Messages()) != 1 || !good.Messages()[0].TLS {
			t.Fatalf("plain got %d, good got %d; want only the verified host used",
				len(plain.Messages()), len(good.Messages()))
		}
		rep := d.TLSReport()
		if len(rep) != 1 || rep[0].PolicyType != "sts" || rep[0].Success != 1 ||
			rep[0].Failures["starttls-not-supported mx1.example.net"] != 1 {
			t.Errorf("TLSReport = %+v", rep)
		}
	})
	t.Run("untrusted certificate refused", func(t *testing.T) {
		d := New(Options{Resolver: r, Dial: dialer(ports), MTASTS: sts})
		_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
		if err == nil || !Temporary(err) {
			t.Fatalf("Deliver = %v, want a temporary failure", err)
		}
	})
	t.Run("mx outside policy refused", func(t *testing.T) {
		z2 := zones("example.org", "mx.elsewhere.test")
		z2["_mta-sts.example.org."] = mockdns.Zone{TXT: []string{"v=STSv1; id=1"}}
		r2 := &mockdns.Resolver{Zones: z2}
		sts2 := &MTASTS{Resolver: r2, HTTPClient: &http.Client{Transport: policyServer{
			"mta-sts.example.org": "version: STSv1\nmode: enforce\nmx: mx.example.org\n" +
				"max_age: 600\n"}}}
		d := New(Options{Resolver: r2, MTASTS: sts2,
			Dial: dialer(map[string]int{"mx.elsewhere.test": good.Port()})})
		_, err := d.Deliver(context.Background(), "example.org", msg(testBody, "a@example.org"))
		if !errors.Is(err, ErrTLSRequired) {
			t.Fatalf("Deliver = %v, want ErrTLSRequired", err)
		}
	})
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		in    string
		ok    bool
		match string
	}{
		{"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n", true,
			"mail.example.com"},
		{"version: STSv1\r\nmode: testing\r\nmx: *.example.com\r\nmax_age: 1\r\n", true,
			"a.example.com"},
		{"version: STSv2\nmode: enforce\nmx: a\n", false, ""},
		{"version: STSv1\nmode: bogus\nmx: a\n", false, ""},
		{"version: STSv1\nmode: enforce\n", false, ""},
		{"version: STSv1\nmode: none\nmax_age: x\n", false, ""},
	}
	for _, c := range cases {
		p, err := ParsePolicy(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParsePolicy(%q) = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && !p.Match(c.match) {
			t.Errorf("ParsePolicy(%q).Match(%q) = false", c.in, c.match)
		}
	}
	p := &Policy{MX: []string{"*.example.com"}}
	if p.Match("a.b.example.com") || p.Match("example.com") {
		t.Error("wildcard matched more than one label")
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add("version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n")
	f.Add("version: STSv1\nmode: none\n")
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePolicy(s); err == nil {
			p.Match("mail.example.com")
		}
	})
}

func FuzzReadReply(f *testing.F) {
	f.Add("250 OK\r\n")
	f.Add("550-5.2.1 The mailbox\r\n550 5.2.1 is disabled\r\n")
	f.Add("250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := readReply(bufioReader(s), "h")
		if err == nil && (r.Code < 200 || r.Code > 599 || strings.ContainsAny(r.Text(), "\r\n")) {
			t.Errorf("readReply(%q) = %+v", s, r)
		}
	})
}

func TestMTASTSFetchRules(t *testing.T) {
	z := map[string]mockdns.Zone{
		"_mta-sts.example.net.":   {TXT: []string{"v=STSv1; id=1"}},
		"_mta-sts.redirect.test.": {TXT: []string{"v=STSv1; id=1"}},
		"_mta-sts.html.test.":     {TXT: []string{"v=STSv1; id=1"}},
		"_mta-sts.big.test.":      {TXT: []string{"v=STSv1; id=1"}},
	}
	policy := "version: STSv1\nmode: enforce\nmx: mx.example.net\nmax_age: 600\n"
	var fetches int
	rt := roundTrip(func(r *http.Request) (*http.Response, error) {
		fetches++
		h := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
		status := 200
		switch r.URL.Host {
		case "mta-sts.redirect.test":
			status = 301
			h = http.Header{"Location": {"https://mta-sts.example.net/.well-known/mta-sts.txt"}}
		case "mta-sts.html.test":
			h = http.Header{"Content-Type": {"text/html"}}
		case "mta-sts.big.test":
			pad := strings.Repeat("x", maxPolicyBytes-len(policy)+1)
			return &http.Response{StatusCode: 200, Header: h, Request: r,
				Body: io.NopCloser(strings.NewReader(policy + pad))}, nil
		}
		return &http.Response{StatusCode: status, Header: h, Request: r,
			Body: io.NopCloser(strings.NewReader(policy))}, nil
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sts := &MTASTS{Resolver: &mockdns.Resolver{Zones: z}, HTTPClient: &http.Client{Transport: rt},
		Now: func() time.Time { return now }}
	ctx := context.Background()
	for _, d := range []string{"redirect.test", "html.test", "big.test"} {
		if p, err := sts.Policy(ctx, d); err == nil {
			t.Errorf("Policy(%s) = %+v, want an error", d, p)
		}
	}
	if _, err := sts.Policy(ctx, "none.test"); !errors.Is(err, ErrNoPolicy) {
		t.Errorf("Policy(none.test) = %v, want ErrNoPolicy", err)
	}
	fetches = 0
	for range 3 {
		if p, err := sts.Policy(ctx, "example.net"); err != nil || !p.Enforced() {
			t.Fatalf("Policy = %+v, %v", p, err)
		}
	}
	if fetches != 1 {
		t.Errorf("%d fetches, want 1 (cached)", fetches)
	}
	now = now.Add(11 * time.Minute)
	sts.Policy(ctx, "example.net")
	if fetches != 2 {
		t.Errorf("%d fetches after max_age, want 2", fetches)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
