package spamfilter

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
)

func TestHeaderAndBodyRules(t *testing.T) {
	f := newFilter(t, Options{})
	htmlOnly := cleanMsg().set("Content-Type", "text/html; charset=utf-8").
		withBody("<html><body><p>Hello <b>friend</b></p></body></html>\r\n")
	alternative := cleanMsg().set("Content-Type", `multipart/alternative; boundary="b"`).
		withBody("--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n" +
			"--b\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--b--\r\n")
	var many []string
	for i := 0; i < 60; i++ {
		many = append(many, "u"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+"@example.net")
	}
	var urls strings.Builder
	for i := 0; i < 40; i++ {
		urls.WriteString("see https://example.com/page" + strings.Repeat("1", i%7) + "\r\n")
	}
	tests := []struct {
		name    string
		raw     string
		helo    string
		want    []string
		notWant []string
	}{
		{"clean", cleanMsg().String(), "mail.example.org", nil,
			[]string{SymMissingDate, SymMissingMessageID, SymHTMLOnly, SymSubjectAllCaps,
				SymHELONotFQDN, SymFromNameSpoof, SymURLIP}},
		{"no date", cleanMsg().set("Date", "").String(), "", []string{SymMissingDate}, nil},
		{"no message-id", cleanMsg().set("Message-ID", "").String(), "",
			[]string{SymMissingMessageID}, nil},
		{"no from, to, subject", cleanMsg().set("From", "").set("To", "").
			set("Subject", "").String(), "",
			[]string{SymMissingFrom, SymMissingTo, SymMissingSubject}, nil},
		{"date in future", cleanMsg().set("Date",
			testNow.Add(72*time.Hour).Format(time.RFC1123Z)).String(), "",
			[]string{SymDateInFuture}, []string{SymDateInPast}},
		{"date in past", cleanMsg().set("Date",
			testNow.Add(-90*24*time.Hour).Format(time.RFC1123Z)).String(), "",
			[]string{SymDateInPast}, []string{SymDateInFuture}},
		{"display name spoof", cleanMsg().set("From",
			`"service@paypal.com" <x@cheap-hosting.example>`).String(), "",
			[]string{SymFromNameSpoof}, nil},
		{"display name own address", cleanMsg().set("From",
			`"alice@example.org" <alice@mail.example.org>`).String(), "",
			nil, []string{SymFromNameSpoof}},
		{"subject caps", cleanMsg().set("Subject", "FREE MONEY FOR YOU NOW").String(), "",
			[]string{SymSubjectAllCaps}, nil},
		{"subject short caps", cleanMsg().set("Subject", "RE: FYI").String(), "",
			nil, []string{SymSubjectAllCaps}},
		{"many recipients", cleanMsg().set("To", strings.Join(many, ", ")).String(), "",
			[]string{SymRcptMany}, nil},
		{"helo bare name", cleanMsg().String(), "localhost", []string{SymHELONotFQDN}, nil},
		{"helo literal", cleanMsg().String(), "[192.0.2.1]", nil, []string{SymHELONotFQDN}},
		{"html only", htmlOnly.String(), "", []string{SymHTMLOnly}, nil},
		{"alternative", alternative.String(), "", nil, []string{SymHTMLOnly}},
		{"ip url", cleanMsg().withBody("Click http://192.0.2.7/login now\r\n").String(), "",
			[]string{SymURLIP}, []string{SymURLShortener}},
		{"numeric host url", cleanMsg().withBody("Go to http://3232235777/x\r\n").String(), "",
			[]string{SymURLIP}, nil},
		{"ipv6 url", cleanMsg().withBody("Go to https://[2001:db8::1]:8443/x\r\n").String(), "",
			[]string{SymURLIP}, nil},
		{"shortener", cleanMsg().withBody("Deal: https://bit.ly/3xYz\r\n").String(), "",
			[]string{SymURLShortener}, []string{SymURLIP}},
		{"shortener in html", htmlOnly.withBody(`<a href="https://www.tinyurl.com/abc">x</a>`).
			String(), "", []string{SymURLShortener, SymHTMLOnly}, nil},
		{"many urls", cleanMsg().withBody(urls.String()).String(), "",
			[]string{SymURLMany}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := check(t, f, tc.raw, Input{HELO: tc.helo})
			for _, s := range tc.want {
				if !v.Has(s) {
					t.Errorf("symbols %v, want %s", symbolNames(v), s)
				}
			}
			for _, s := range tc.notWant {
				if v.Has(s) {
					t.Errorf("symbols %v, do not want %s", symbolNames(v), s)
				}
			}
		})
	}
}

func TestAuthRules(t *testing.T) {
	f := newFilter(t, Options{})
	dkim := func(s ...mailauth.DKIMStatus) []mailauth.DKIMResult {
		var out []mailauth.DKIMResult
		for _, st := range s {
			out = append(out, mailauth.DKIMResult{Status: st, Domain: "example.org"})
		}
		return out
	}
	tests := []struct {
		name string
		res  *mailauth.Results
		want []string
	}{
		{"all pass", &mailauth.Results{
			SPF:   mailauth.SPFCheck{Result: mailauth.SPFPass},
			DKIM:  dkim(mailauth.DKIMPass),
			DMARC: mailauth.DMARCResult{Status: mailauth.DMARCPass},
			ARC:   mailauth.ARCResult{Status: mailauth.ARCPass},
		}, []string{SymSPFPass, SymDKIMPass, SymDMARCPass, SymARCPass}},
		{"all fail", &mailauth.Results{
			SPF:  mailauth.SPFCheck{Result: mailauth.SPFFail},
			DKIM: dkim(mailauth.DKIMFail),
			DMARC: mailauth.DMARCResult{Status: mailauth.DMARCFail,
				Policy: mailauth.PolicyReject},
			ARC: mailauth.ARCResult{Status: mailauth.ARCFail},
		}, []string{SymSPFFail, SymDKIMFail, SymDMARCFail, SymARCFail}},
		{"softfail, p=none", &mailauth.Results{
			SPF:  mailauth.SPFCheck{Result: mailauth.SPFSoftFail},
			DKIM: dkim(mailauth.DKIMFail, mailauth.DKIMPass),
			DMARC: mailauth.DMARCResult{Status: mailauth.DMARCFail,
				Policy: mailauth.PolicyNone},
		}, []string{SymSPFSoftFail, SymDKIMPass, SymDMARCFailNA}},
		{"missing", &mailauth.Results{
			SPF:   mailauth.SPFCheck{Result: mailauth.SPFNone},
			DMARC: mailauth.DMARCResult{Status: mailauth.DMARCNone},
		}, []string{SymSPFNone, SymDKIMNone, SymDMARCNone}},
		{"permerror", &mailauth.Results{
			SPF:   mailauth.SPFCheck{Result: mailauth.SPFPermError},
			DKIM:  dkim(mailauth.DKIMTempError),
			DMARC: mailauth.DMARCResult{Status: mailauth.DMARCTempError},
		}, []string{SymSPFPermError}},
		{"not checked", nil, nil},
	}
	authSyms := []string{SymSPFPass, SymSPFFail, SymSPFSoftFail, SymSPFNone, SymSPFPermError,
		SymDKIMPass, SymDKIMFail, SymDKIMNone, SymDMARCPass, SymDMARCFail, SymDMARCFailNA,
		SymDMARCNone, SymARCPass, SymARCFail}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := check(t, f, cleanMsg().String(), Input{Auth: tc.res})
			var got []string
			for _, s := range authSyms {
				if v.Has(s) {
					got = append(got, s)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("auth symbols = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestThresholdsAndScores(t *testing.T) {
	raw := cleanMsg().set("Date", "").set("Message-ID", "").
		set("Subject", "WIN A BRAND NEW CAR").String()
	tests := []struct {
		name string
		opts Options
		want Action
	}{
		{"default accept", Options{}, ActionAccept},
		{"low junk", Options{Thresholds: Thresholds{Junk: 4, Reject: 10}}, ActionJunk},
		{"low reject", Options{Thresholds: Thresholds{Junk: 1, Reject: 4}}, ActionReject},
		{"raised score", Options{Scores: map[string]float64{SymSubjectAllCaps: 5}}, ActionJunk},
		{"disabled", Options{Thresholds: Thresholds{Junk: 4, Reject: 10},
			Disabled: []string{SymSubjectAllCaps}}, ActionAccept},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFilter(t, tc.opts)
			v := check(t, f, raw, Input{})
			if v.Action != tc.want {
				t.Errorf("action = %v (score %.2f, %v), want %v",
					v.Action, v.Score, symbolNames(v), tc.want)
			}
			sum := 0.0
			for _, h := range v.Hits {
				sum += h.Score
			}
			if math.Abs(sum-v.Score) > 0.005 {
				t.Errorf("score %.2f is not the sum of hits %.2f", v.Score, sum)
			}
		})
	}
	if _, err := New(Options{Thresholds: Thresholds{Junk: 10, Reject: 5}}); err == nil {
		t.Error("New with reject below junk succeeded")
	}
}

// TestRealMessages scores messages of the shared corpus: a well-formed
// one fires no header rule near its date, and every file is read
// without error.
func TestRealMessages(t *testing.T) {
	raw := readFile(t, "messages/cpython-email/msg_01.txt")
	at := time.Date(2001, 5, 4, 20, 0, 0, 0, time.UTC)
	f := newFilter(t, Options{Now: func() time.Time { return at }})
	v := check(t, f, raw, Input{})
	if len(v.Hits) != 0 {
		t.Errorf("msg_01 symbols %v, want none", symbolNames(v))
	}
	late := newFilter(t, Options{})
	if v := check(t, late, raw, Input{}); !v.Has(SymDateInPast) {
		t.Errorf("msg_01 in 2026: symbols %v, want %s", symbolNames(v), SymDateInPast)
	}
	html := readFile(t, "messages/cpython-email/msg_08.txt")
	if v := check(t, f, html, Input{}); v.Has(SymHTMLOnly) {
		t.Errorf("msg_08 (text and html parts): symbols %v, do not want %s",
			symbolNames(v), SymHTMLOnly)
	}
	for _, p := range corpusFiles(t, "messages") {
		raw := readFile(t, p)
		if v := check(t, f, raw, Input{}); v.Score != v.Score {
			t.Errorf("%s: score is NaN", p)
		}
	}
}

func TestStatusHeader(t *testing.T) {
	v := &Verdict{Hits: []Hit{{Name: SymSubjectAllCaps, Score: 1.5},
		{Name: SymBayesSpam, Score: 5}, {Name: SymSPFPass, Score: -0.5}}}
	v.finish(Thresholds{Junk: 6, Reject: 15})
	got := v.StatusHeader()
	want := "Yes, score=6.00 required=6.00 action=junk\r\n\t" +
		"tests=BAYES_SPAM(5.00),SUBJECT_ALL_CAPS(1.50),SPF_PASS(-0.50)"
	if got != want {
		t.Errorf("StatusHeader() = %q, want %q", got, want)
	}
	if v.ScoreHeader() != "6.00" {
		t.Errorf("ScoreHeader() = %q, want 6.00", v.ScoreHeader())
	}
	var long Verdict
	for i := 0; i < 20; i++ {
		long.Hits = append(long.Hits, Hit{Name: "SOME_LONG_SYMBOL_NAME", Score: 0.1})
	}
	long.finish(Thresholds{Junk: 6, Reject: 15})
	for _, line := range strings.Split(long.StatusHeader(), "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
}

func TestEnvelopeRules(t *testing.T) {
	f := newFilter(t, Options{})
	pass := &mailauth.Results{DMARC: mailauth.DMARCResult{Status: mailauth.DMARCPass}}
	tests := []struct {
		name string
		in   Input
		want []string
		not  []string
	}{
		{"same domain", Input{MailFrom: "bounce@mail.example.org",
			Recipients: []string{"BOB@example.net"}}, nil,
			[]string{SymFromNeqEnvFrom, SymRcptNotInHeader}},
		{"other domain", Input{MailFrom: "x@bulk.example"},
			[]string{SymFromNeqEnvFrom}, nil},
		{"other domain, dmarc pass", Input{MailFrom: "x@bulk.example", Auth: pass},
			nil, []string{SymFromNeqEnvFrom}},
		{"null sender", Input{}, nil, []string{SymFromNeqEnvFrom, SymRcptNotInHeader}},
		{"blind copy", Input{Recipients: []string{"carol@example.net"}},
			[]string{SymRcptNotInHeader}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := check(t, f, cleanMsg().String(), tc.in)
			for _, s := range tc.want {
				if !v.Has(s) {
					t.Errorf("symbols %v, want %s", symbolNames(v), s)
				}
			}
			for _, s := range tc.not {
				if v.Has(s) {
					t.Errorf("symbols %v, do not want %s", symbolNames(v), s)
				}
			}
		})
	}
}

func TestMaxScanBytes(t *testing.T) {
	raw := cleanMsg().withBody(strings.Repeat("filler text\r\n", 40) +
		"http://192.0.2.1/late\r\n").String()
	full := newFilter(t, Options{})
	if v := check(t, full, raw, Input{}); !v.Has(SymURLIP) {
		t.Errorf("default limit: symbols %v, want %s", symbolNames(v), SymURLIP)
	}
	short := newFilter(t, Options{MaxScanBytes: int64(len(raw) - 100)})
	if v := check(t, short, raw, Input{}); v.Has(SymURLIP) {
		t.Errorf("URL past MaxScanBytes was read: %v", symbolNames(v))
	}
}
