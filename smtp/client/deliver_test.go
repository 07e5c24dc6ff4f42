package client

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/foxcpp/go-mockdns"
)

func TestDeliverMXOrderWithOneDown(t *testing.T) {
	ok := start(t, &clienttest.Server{Extensions: []string{"PIPELINING", "8BITMIME"}})
	r := &mockdns.Resolver{Zones: zones("example.net", "mx1.example.net", "mx2.example.net")}
	d := New(Options{Resolver: r, Dial: dialer(map[string]int{"mx2.example.net": ok.Port()}),
		Timeout: 5 * time.Second})
	res, err := d.Deliver(context.Background(), "example.net",
		msg(testBody, "gus@example.net", "hal@example.net"))
	if err != nil {
		t.Fatalf("Deliver = %v", err)
	}
	for i, e := range res {
		if e != nil {
			t.Errorf("result %d = %v, want nil", i, e)
		}
	}
	got := ok.Messages()
	if len(got) != 1 || len(got[0].To) != 2 {
		t.Fatalf("received %+v, want one message to two recipients", got)
	}
	if !strings.Contains(string(got[0].Data), "\r\n.leading dot\r\n") {
		t.Errorf("dot-stuffing lost: %q", got[0].Data)
	}
}

func TestDeliverNullMX(t *testing.T) {
	r := &mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"example.net.": {MX: []net.MX{{Host: ".", Pref: 0}}}}}
	d := New(Options{Resolver: r})
	_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
	var e *Error
	if !errors.As(err, &e) || e.Temporary() || !errors.Is(err, ErrNullMX) || e.Status != "5.1.10" {
		t.Fatalf("Deliver = %v, want permanent 5.1.10 null MX", err)
	}
}

func TestDeliverImplicitMX(t *testing.T) {
	s := start(t, &clienttest.Server{})
	r := &mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"example.org.": {A: []string{"127.0.0.1"}}}}
	d := New(Options{Resolver: r, Dial: dialer(map[string]int{"example.org": s.Port()})})
	_, err := d.Deliver(context.Background(), "example.org", msg(testBody, "a@example.org"))
	if err != nil || len(s.Messages()) != 1 {
		t.Fatalf("Deliver = %v, %d messages; want the A record used", err, len(s.Messages()))
	}
}

func TestDeliverPerRecipientReplies(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		t.Run(map[bool]string{false: "smtp", true: "lmtp"}[lmtp], func(t *testing.T) {
			s := start(t, &clienttest.Server{LMTP: lmtp, Extensions: []string{"PIPELINING"},
				OnRcpt: func(to string) string {
					if strings.HasPrefix(to, "gone") {
						return "550-5.2.1 The mailbox is disabled. Read more at\r\n" +
							"550 5.2.1 https://help.example.net/disabled - mx7"
					}
					return ""
				},
				OnData: func(_ *clienttest.Received, to string) string {
					if strings.HasPrefix(to, "full") {
						return "452 4.2.2 Mailbox full"
					}
					return ""
				}})
			relay := &Relay{Host: "127.0.0.1:" + itoa(s.Port()), LMTP: lmtp}
			d := New(Options{DefaultRelay: relay, Resolver: &mockdns.Resolver{}})
			res, err := d.Deliver(context.Background(), "example.net",
				msg(testBody, "ok@example.net", "gone@example.net", "full@example.net"))
			if err != nil {
				t.Fatalf("Deliver = %v", err)
			}
			if res[0] != nil {
				t.Errorf("ok = %v, want nil", res[0])
			}
			var e *Error
			if !errors.As(res[1], &e) || e.Code != 550 || e.Status != "5.2.1" ||
				e.Text() != "The mailbox is disabled. Read more at "+
					"https://help.example.net/disabled - mx7" {
				t.Errorf("gone = %#v, want the joined 550 5.2.1 reply", res[1])
			}
			if lmtp && (!errors.As(res[2], &e) || e.Code != 452) {
				t.Errorf("full = %v, want 452 from LMTP", res[2])
			}
			if !lmtp && res[2] != nil {
				t.Errorf("full = %v, want nil over SMTP", res[2])
			}
		})
	}
}

func TestDeliverExtensions(t *testing.T) {
	utf8 := msg(testBody, "jürgen@example.net")
	eight := msg(testBody, "a@example.net")
	eight.EightBit = true
	cases := []struct {
		name string
		ext  []string
		m    *Message
		want error
		mail string
	}{
		{"no smtputf8", nil, utf8, ErrNoSMTPUTF8, ""},
		{"smtputf8", []string{"SMTPUTF8"}, utf8, nil, "SMTPUTF8"},
		{"no 8bitmime", []string{"SIZE 100000"}, eight, nil, ""},
		{"8bitmime", []string{"8BITMIME", "SIZE 100000"}, eight, nil, "SIZE=79 BODY=8BITMIME"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, &clienttest.Server{Extensions: c.ext})
			d := New(Options{DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
			_, err := d.Deliver(context.Background(), "example.net", c.m)
			if !errors.Is(err, c.want) {
				t.Fatalf("Deliver = %v, want %v", err, c.want)
			}
			if c.want != nil {
				if Temporary(err) {
					t.Errorf("Deliver = %v, want permanent", err)
				}
				return
			}
			if got := s.Messages()[0].MailParams; got != c.mail {
				t.Errorf("MAIL params = %q, want %q", got, c.mail)
			}
		})
	}
}

func TestDeliverChunkingAndDSN(t *testing.T) {
	s := start(t, &clienttest.Server{Extensions: []string{"CHUNKING", "DSN"}})
	d := New(Options{DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
	m := msg(testBody, "a@example.net")
	m.Ret, m.EnvID = "HDRS", "id+1"
	m.Recipients[0].Notify = []string{"FAILURE", "DELAY"}
	m.Recipients[0].ORcpt = "rfc822;a@example.net"
	if _, err := d.Deliver(context.Background(), "example.net", m); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()[0]
	if !got.Chunked || string(got.Data) != testBody {
		t.Errorf("chunked=%v data=%q, want BDAT with the exact body", got.Chunked, got.Data)
	}
	if got.MailParams != "RET=HDRS ENVID=id+2B1" {
		t.Errorf("MAIL params = %q", got.MailParams)
	}
	if got.RcptParams[0] != "NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@example.net" {
		t.Errorf("RCPT params = %q", got.RcptParams[0])
	}
}

func TestDeliverTLS(t *testing.T) {
	srvCfg, roots, err := clienttest.Cert("smart.example.com", "mx1.example.net")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("opportunistic starttls", func(t *testing.T) {
		s := start(t, &clienttest.Server{Extensions: []string{"STARTTLS"}, TLSConfig: srvCfg})
		r := &mockdns.Resolver{Zones: zones("example.net", "mx1.example.net")}
		d := New(Options{Resolver: r, Dial: dialer(map[string]int{"mx1.example.net": s.Port()})})
		if _, err := d.Deliver(context.Background(), "example.net",
			msg(testBody, "a@example.net")); err != nil {
			t.Fatal(err)
		}
		if !s.Messages()[0].TLS {
			t.Error("message not sent over TLS")
		}
	})
	t.Run("implicit tls relay with auth", func(t *testing.T) {
		s := start(t, &clienttest.Server{Extensions: []string{"AUTH LOGIN"},
			TLSConfig: srvCfg, Implicit: true,
			Auth: func(u, p string) bool { return u == "fay" && p == "secret" }})
		d := New(Options{
			Resolver: &mockdns.Resolver{Zones: map[string]mockdns.Zone{
				"smart.example.com.": {A: []string{"127.0.0.1"}}}},
			Dial:      dialer(map[string]int{"smart.example.com": s.Port()}),
			TLSConfig: &tls.Config{RootCAs: roots},
			DefaultRelay: &Relay{Host: "smart.example.com:465", ImplicitTLS: true,
				Username: "fay", Password: "secret"}})
		if _, err := d.Deliver(context.Background(), "example.net",
			msg(testBody, "a@example.net")); err != nil {
			t.Fatal(err)
		}
		if got := s.Messages()[0]; !got.TLS || got.User != "fay" {
			t.Errorf("tls=%v user=%q, want TLS and fay", got.TLS, got.User)
		}
	})
	t.Run("requiretls without tls", func(t *testing.T) {
		s := start(t, &clienttest.Server{})
		d := New(Options{DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
		m := msg(testBody, "a@example.net")
		m.RequireTLS = true
		_, err := d.Deliver(context.Background(), "example.net", m)
		if !errors.Is(err, ErrTLSRequired) || len(s.Messages()) != 0 {
			t.Fatalf("Deliver = %v, want ErrTLSRequired and nothing sent", err)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDeliverIPv6ThenIPv4(t *testing.T) {
	s := start(t, &clienttest.Server{})
	r := &mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"example.net.":    {MX: []net.MX{{Host: "mx.example.net.", Pref: 10}}},
		"mx.example.net.": {A: []string{"127.0.0.1"}, AAAA: []string{"2001:db8::25"}},
	}}
	var tried []string
	d := New(Options{Resolver: r, Dial: func(ctx context.Context, tg Target) (net.Conn, error) {
		tried = append(tried, tg.Addr.String())
		if tg.Addr.Addr().Is6() {
			return nil, errors.New("network unreachable")
		}
		var nd net.Dialer
		return nd.DialContext(ctx, "tcp", "127.0.0.1:"+itoa(s.Port()))
	}})
	_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tried, " ") != "[2001:db8::25]:25 127.0.0.1:25" {
		t.Errorf("tried %v, want the IPv6 address then the IPv4 one on port 25", tried)
	}
}

func TestRelayPerDomain(t *testing.T) {
	relay := start(t, &clienttest.Server{Name: "relay.test"})
	mx := start(t, &clienttest.Server{Name: "mx.test"})
	z := zones("example.net", "mx1.example.net")
	z["relay.test."] = mockdns.Zone{A: []string{"127.0.0.1"}}
	r := &mockdns.Resolver{Zones: z}
	ports := map[string]int{"mx1.example.net": mx.Port(), "relay.test": relay.Port()}
	d := New(Options{Resolver: r, Dial: dialer(ports),
		Relays: map[string]*Relay{"example.org": {Host: "relay.test:587"}}})
	ctx := context.Background()
	if _, err := d.Deliver(ctx, "Example.ORG", msg(testBody, "a@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Deliver(ctx, "example.net", msg(testBody, "a@example.net")); err != nil {
		t.Fatal(err)
	}
	if len(relay.Messages()) != 1 || relay.Messages()[0].To[0] != "a@example.org" ||
		len(mx.Messages()) != 1 || mx.Messages()[0].To[0] != "a@example.net" {
		t.Errorf("relay got %v, MX got %v; want each its own domain",
			relay.Messages(), mx.Messages())
	}
}
