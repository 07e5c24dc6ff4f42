package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/foxcpp/go-mockdns"
	"github.com/miekg/dns"
)

// tlsaTable is a DANEResolver over a map; secure applies to all.
type tlsaTable struct {
	recs   map[string][]TLSA
	secure bool
}

func (t tlsaTable) LookupTLSA(_ context.Context, name string) ([]TLSA, bool, error) {
	return t.recs[name], t.secure, nil
}

func TestDANE(t *testing.T) {
	srvCfg, _, err := clienttest.Cert("mx1.example.net")
	if err != nil {
		t.Fatal(err)
	}
	leaf := srvCfg.Certificates[0].Leaf
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	full := sha256.Sum256(leaf.Raw)
	name := "_25._tcp.mx1.example.net"
	cases := []struct {
		name     string
		tls      bool
		recs     []TLSA
		secure   bool
		wantErr  error
		wantTLS  bool
		failures string
	}{
		{"dane-ee spki", true, []TLSA{{3, 1, 1, spki[:]}}, true, nil, true, ""},
		{"dane-ta cert", true, []TLSA{{2, 0, 1, full[:]}}, true, nil, true, ""},
		{"mismatch", true, []TLSA{{3, 1, 1, make([]byte, 32)}}, true, ErrDANE, false,
			"tlsa-invalid mx1.example.net"},
		{"no starttls", false, []TLSA{{3, 1, 1, spki[:]}}, true, ErrTLSRequired, false,
			"starttls-not-supported mx1.example.net"},
		{"insecure answer ignored", false, []TLSA{{3, 1, 1, spki[:]}}, false, nil, false, ""},
		{"only pkix records: tls without authentication", true,
			[]TLSA{{1, 1, 1, make([]byte, 32)}}, true, nil, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &clienttest.Server{}
			if c.tls {
				s.Extensions, s.TLSConfig = []string{"STARTTLS"}, srvCfg
			}
			start(t, s)
			r := &mockdns.Resolver{Zones: zones("example.net", "mx1.example.net")}
			d := New(Options{Resolver: r, Dial: dialer(map[string]int{"mx1.example.net": s.Port()}),
				DANE: tlsaTable{map[string][]TLSA{name: c.recs}, c.secure}})
			_, err := d.Deliver(context.Background(), "example.net", msg(testBody, "a@example.net"))
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !Temporary(err) || len(s.Messages()) != 0 {
					t.Fatalf("Deliver = %v, want a temporary %v and nothing sent", err, c.wantErr)
				}
				rep := d.TLSReport()
				if len(rep) != 1 || rep[0].PolicyType != "tlsa" ||
					rep[0].Failures[c.failures] != 1 {
					t.Errorf("TLSReport = %+v, want %q", rep, c.failures)
				}
				return
			}
			if err != nil {
				t.Fatalf("Deliver = %v", err)
			}
			if got := s.Messages()[0].TLS; got != c.wantTLS {
				t.Errorf("TLS = %v, want %v", got, c.wantTLS)
			}
		})
	}
}

func TestDNSSECResolver(t *testing.T) {
	data := sha256.Sum256([]byte("key"))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter,
		q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		switch q.Question[0].Name {
		case "_25._tcp.mx.example.net.":
			m.AuthenticatedData = true
			m.Answer = append(m.Answer, &dns.TLSA{Hdr: dns.RR_Header{Name: q.Question[0].Name,
				Rrtype: dns.TypeTLSA, Class: dns.ClassINET, Ttl: 60}, Usage: 3, Selector: 1,
				MatchingType: 1, Certificate: hex.EncodeToString(data[:])})
		default:
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	defer srv.Shutdown()
	r := &DNSSECResolver{Server: pc.LocalAddr().String()}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	recs, secure, err := r.LookupTLSA(ctx, "_25._tcp.mx.example.net")
	if err != nil || !secure || len(recs) != 1 || recs[0].Usage != 3 ||
		string(recs[0].Data) != string(data[:]) {
		t.Fatalf("LookupTLSA = %+v, %v, %v", recs, secure, err)
	}
	recs, _, err = r.LookupTLSA(ctx, "_25._tcp.none.example.net")
	if err != nil || len(recs) != 0 {
		t.Errorf("LookupTLSA(missing) = %+v, %v, want none", recs, err)
	}
}
