package queue

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
)

const multiline550 = "550-5.2.1 The mailbox you tried to reach is disabled. Read more at\r\n" +
	"550 5.2.1 https://help.example.net/disabled - mx7"

// Case 020: a multi-line remote reply ends up in one Diagnostic-Code
// field with both lines, whatever the command it answered and whether
// the failure is permanent or reached expiry.
func TestDSNMultilineDiagnostic(t *testing.T) {
	cases := []struct {
		name   string
		srv    *clienttest.Server
		expire bool
		status string
	}{
		{"rcpt", &clienttest.Server{OnRcpt: func(string) string { return multiline550 }},
			false, "5.2.1"},
		{"data", &clienttest.Server{OnData: func(*clienttest.Received, string) string {
			return multiline550
		}}, false, "5.2.1"},
		{"4xx until expiry", &clienttest.Server{OnRcpt: func(string) string {
			return "451-4.2.1 The mailbox is resting. Read more at\r\n" +
				"451 4.2.1 https://help.example.net/disabled - mx7"
		}}, true, "4.2.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{Transport: remote(t, c.srv), Expiry: time.Hour,
				WarnAfter: -1})
			submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
				"bounce me")
			if c.expire {
				walkToExpiry(t, e, time.Hour)
			}
			waitFor(t, "notification", func() bool { return len(e.local.got()) == 1 })
			waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
			got := e.local.got()[0]
			if got.from != "" || len(got.rcpts) != 1 || got.rcpts[0] != "fay@example.com" {
				t.Fatalf("notification envelope %q -> %v, want <> -> fay", got.from, got.rcpts)
			}
			d := parseDSN(t, got.data)
			if len(d.recipients) != 1 {
				t.Fatalf("%d recipient groups, want 1", len(d.recipients))
			}
			r := d.recipients[0]
			checks := map[string]string{"Final-Recipient": "rfc822; gus@example.net",
				"Action": "failed", "Status": c.status, "Remote-MTA": "dns; mx1.example.net"}
			for k, want := range checks {
				if got := field(r, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			diag := field(r, "Diagnostic-Code")
			if !strings.HasPrefix(diag, "smtp; ") ||
				!strings.Contains(diag, "is disabled. Read more at") &&
					!strings.Contains(diag, "is resting. Read more at") ||
				!strings.Contains(diag, "https://help.example.net/disabled - mx7") {
				t.Errorf("Diagnostic-Code = %q, want both reply lines", diag)
			}
			if d.perMessage.Get("Reporting-MTA") != "dns; mx.example.com" {
				t.Errorf("Reporting-MTA = %q", d.perMessage.Get("Reporting-MTA"))
			}
			if d.original != "text/rfc822-headers" || !strings.Contains(string(d.originalB),
				"Subject: bounce me") || strings.Contains(string(d.originalB), "Hello.") {
				t.Errorf("original part %s %q, want the headers only", d.original, d.originalB)
			}
		})
	}
}

// walkToExpiry moves the clock along the retry schedule until the
// recipient has expired.
func walkToExpiry(t *testing.T, e *env, expiry time.Duration) {
	t.Helper()
	start := e.clock.Now()
	for i := 0; i < 200 && e.clock.Now().Sub(start) < expiry; i++ {
		waitFor(t, "attempt", func() bool {
			ms, err := e.q.List(context.Background(), 0)
			return err == nil && len(ms) == 1 && ms[0].LeaseOwner == "" &&
				ms[0].Recipients[0].Attempts > 0 && ms[0].Due.After(e.clock.Now())
		})
		ms, _ := e.q.List(context.Background(), 0)
		e.clock.Advance(ms[0].Due.Sub(e.clock.Now()))
		e.q.Wake()
	}
}

func TestDSNRetFullAndWarning(t *testing.T) {
	var n atomic.Int32
	srv := &clienttest.Server{OnRcpt: func(string) string {
		if n.Add(1) < 4 {
			return "421 4.4.5 try later"
		}
		return "554 5.7.1 rejected for policy"
	}}
	e := newEnv(t, Options{Transport: remote(t, srv), WarnAfter: 10 * time.Minute,
		Backoff: []time.Duration{6 * time.Minute}})
	submit(t, e.q, Envelope{From: "fay@example.com", Ret: "FULL", EnvID: "env-42",
		Recipients: []RecipientSpec{{Address: "gus@example.net", ORcpt: "rfc822;gus@example.net"}}},
		"full")
	for i := 0; i < 4; i++ {
		waitFor(t, "attempt", func() bool { return int(n.Load()) > i })
		waitFor(t, "release", func() bool {
			ms, _ := e.q.List(context.Background(), 0)
			return len(ms) == 0 || ms[0].LeaseOwner == ""
		})
		e.clock.Advance(6 * time.Minute)
		e.q.Wake()
	}
	waitFor(t, "two notifications", func() bool { return len(e.local.got()) == 2 })
	warn := parseDSN(t, e.local.got()[0].data)
	if a := field(warn.recipients[0], "Action"); a != "delayed" {
		t.Errorf("first notification Action = %q, want delayed", a)
	}
	if warn.recipients[0].Get("Will-Retry-Until") == "" {
		t.Error("delay notification lacks Will-Retry-Until")
	}
	fail := parseDSN(t, e.local.got()[1].data)
	r := fail.recipients[0]
	if field(r, "Action") != "failed" || field(r, "Status") != "5.7.1" ||
		field(r, "Original-Recipient") != "rfc822; gus@example.net" {
		t.Errorf("failure fields %v", r.Map())
	}
	if fail.perMessage.Get("Original-Envelope-Id") != "env-42" {
		t.Errorf("Original-Envelope-Id = %q", fail.perMessage.Get("Original-Envelope-Id"))
	}
	if fail.original != "message/rfc822" || !strings.Contains(string(fail.originalB), "Hello.") {
		t.Errorf("RET=FULL original %s %q, want the whole message", fail.original, fail.originalB)
	}
}

func TestDSNSuccessAndNever(t *testing.T) {
	srv := &clienttest.Server{OnRcpt: func(to string) string {
		if strings.HasPrefix(to, "bad") {
			return "550 5.1.1 no such user"
		}
		return ""
	}}
	e := newEnv(t, Options{Transport: remote(t, srv)})
	submit(t, e.q, Envelope{From: "fay@example.com", Recipients: []RecipientSpec{
		{Address: "gus@example.net", Notify: []string{"success"}},
		{Address: "bad1@example.net", Notify: []string{"NEVER"}},
	}}, "success")
	waitFor(t, "notification", func() bool { return len(e.local.got()) == 1 })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	d := parseDSN(t, e.local.got()[0].data)
	if len(d.recipients) != 1 || field(d.recipients[0], "Action") != "delivered" ||
		field(d.recipients[0], "Status") != "2.0.0" {
		t.Fatalf("recipients %v, want one delivered", d.recipients)
	}
}

func TestNoBounceToNullSender(t *testing.T) {
	srv := &clienttest.Server{OnRcpt: func(string) string { return "550 5.1.1 no such user" }}
	e := newEnv(t, Options{Transport: remote(t, srv)})
	submit(t, e.q, Envelope{From: "", Recipients: to("gus@example.net")}, "dsn")
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	m, _ := e.q.Metrics(context.Background())
	if m.Failed["5.1.1"] != 1 || len(e.local.got()) != 0 {
		t.Errorf("failed=%v notifications=%d, want one failure and no notification",
			m.Failed, len(e.local.got()))
	}
}

func TestFold(t *testing.T) {
	s := fold("Diagnostic-Code: smtp; "+strings.Repeat("word ", 40), " ")
	for _, l := range strings.Split(s, "\r\n") {
		if len(l) > 78 {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	if strings.Join(strings.Fields(s), " ") != strings.TrimSpace("Diagnostic-Code: smtp; "+
		strings.Repeat("word ", 40)) {
		t.Error("folding changed the text")
	}
	_ = context.Background
}

// TestExpiryDefaults walks the default schedule: a delay notification
// after four hours, then failure at exactly five days.
func TestExpiryDefaults(t *testing.T) {
	var attempts atomic.Int32
	srv := &clienttest.Server{OnRcpt: func(string) string {
		attempts.Add(1)
		return "450 4.2.1 mailbox busy"
	}}
	e := newEnv(t, Options{Transport: remote(t, srv)})
	start := e.clock.Now()
	submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")}, "slow")
	walkToExpiry(t, e, 5*24*time.Hour)
	waitFor(t, "notifications", func() bool { return len(e.local.got()) == 2 })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	warn, fail := parseDSN(t, e.local.got()[0].data), parseDSN(t, e.local.got()[1].data)
	if a := field(warn.recipients[0], "Action"); a != "delayed" {
		t.Errorf("first notification Action = %q, want delayed", a)
	}
	r := fail.recipients[0]
	if field(r, "Action") != "failed" || field(r, "Status") != "4.2.1" {
		t.Errorf("final notification %v", r.Map())
	}
	last, err := time.Parse(time.RFC1123Z, r.Get("Last-Attempt-Date"))
	if err != nil || !last.Equal(start.Add(5*24*time.Hour)) {
		t.Errorf("Last-Attempt-Date = %v, want %v", last, start.Add(5*24*time.Hour))
	}
	// 2m+5m+10m+15m+30m+1h = 2h02m, then every 2h up to 120h: 66 attempts.
	if n := attempts.Load(); n < 60 || n > 70 {
		t.Errorf("%d attempts in five days, want about 66", n)
	}
}

func TestDSNInternationalAddress(t *testing.T) {
	srv := &clienttest.Server{Extensions: []string{"SMTPUTF8"},
		OnRcpt: func(string) string { return "550 5.1.1 unknown" }}
	e := newEnv(t, Options{Transport: remote(t, srv)})
	submit(t, e.q, Envelope{From: "fay@example.com", SMTPUTF8: true,
		Recipients: to("jürgen@example.net")}, "utf8")
	waitFor(t, "notification", func() bool { return len(e.local.got()) == 1 })
	d := parseDSN(t, e.local.got()[0].data)
	if d.statusType != "message/global-delivery-status" ||
		field(d.recipients[0], "Final-Recipient") != "utf-8; jürgen@example.net" {
		t.Errorf("status part %s, Final-Recipient %q; want RFC 6533 forms", d.statusType,
			field(d.recipients[0], "Final-Recipient"))
	}
}
