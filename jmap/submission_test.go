package jmap

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

func TestSubmission(t *testing.T) {
	e := newEnv(t, nil)
	drafts, sent := e.mailboxID("Drafts"), e.mailboxID("Sent")
	idents := e.one("Identity/get", map[string]any{})["list"].([]any)
	if len(idents) != 1 || idents[0].(map[string]any)["email"] != testUser {
		t.Fatalf("Identity/get = %v", idents)
	}
	identID := idents[0].(map[string]any)["id"].(string)
	rs := e.call(
		[]any{"Email/set", map[string]any{"accountId": "ACCT", "create": map[string]any{
			"draft": map[string]any{
				"mailboxIds": map[string]bool{drafts: true},
				"keywords":   map[string]bool{"$draft": true},
				"from":       []any{map[string]any{"email": testUser, "name": "Alice"}},
				"to":         []any{map[string]any{"email": "bob@example.net"}},
				"subject":    "hello Bob",
				"textBody":   []any{map[string]any{"partId": "t", "type": "text/plain"}},
				"bodyValues": map[string]any{"t": map[string]any{"value": "Hi Bob,\nbye"}},
			}}}, "0"},
		[]any{"EmailSubmission/set", map[string]any{"accountId": "ACCT",
			"create": map[string]any{"s": map[string]any{"identityId": identID,
				"emailId": "#draft"}},
			"onSuccessUpdateEmail": map[string]any{"#s": map[string]any{
				"mailboxIds/" + drafts: nil, "mailboxIds/" + sent: true,
				"keywords/$draft": nil}}}, "1"},
		[]any{"EmailSubmission/get", map[string]any{"accountId": "ACCT"}, "2"},
	)
	if len(rs) != 4 {
		t.Fatalf("responses = %v", rs)
	}
	sub := rs[1].([]any)[1].(map[string]any)
	if len(sub["created"].(map[string]any)) != 1 {
		t.Fatalf("EmailSubmission/set = %v", sub)
	}
	if implicit := rs[2].([]any); implicit[0] != "Email/set" || implicit[2] != "1" ||
		len(implicit[1].(map[string]any)["updated"].(map[string]any)) != 1 {
		t.Errorf("implicit Email/set = %v", implicit)
	}
	if l := rs[3].([]any)[1].(map[string]any)["list"].([]any); len(l) != 1 {
		t.Errorf("EmailSubmission/get = %v", l)
	}
	if len(e.sub.sent) != 1 {
		t.Fatalf("sent = %v", e.sub.sent)
	}
	m := e.sub.sent[0]
	if m.from != testUser || len(m.rcpts) != 1 || m.rcpts[0] != "bob@example.net" ||
		!strings.Contains(m.data, "Subject: hello Bob") || !strings.Contains(m.data, "Hi Bob,") {
		t.Errorf("submitted %+v", m)
	}
	created := rs[0].([]any)[1].(map[string]any)["created"].(map[string]any)
	id := created["draft"].(map[string]any)["id"].(string)
	em, err := e.ms.Email(context.Background(), testUser, mailstore.EmailID(id))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := em.Mailboxes[mailstore.MailboxID(sent)]; !ok || len(em.Mailboxes) != 1 ||
		len(em.Keywords) != 0 {
		t.Errorf("after submission email = %+v", em)
	}

	// A From the principal does not own is refused.
	r := e.one("EmailSubmission/set", map[string]any{"create": map[string]any{
		"x": map[string]any{"identityId": identID, "emailId": id,
			"envelope": map[string]any{"mailFrom": map[string]any{"email": "eve@example.org"},
				"rcptTo": []any{map[string]any{"email": "bob@example.net"}}}}}})
	if nc := r["notCreated"].(map[string]any)["x"]; nc == nil ||
		nc.(map[string]any)["type"] != SetErrForbiddenFrom {
		t.Errorf("foreign sender = %v", r)
	}
}

func TestVacationQuotaIdentity(t *testing.T) {
	e := newEnv(t, nil)
	v := e.one("VacationResponse/get", map[string]any{})
	if l := v["list"].([]any); len(l) != 1 || l[0].(map[string]any)["isEnabled"] != false {
		t.Errorf("VacationResponse/get = %v", v)
	}
	s := e.one("VacationResponse/set", map[string]any{"update": map[string]any{
		"singleton": map[string]any{"isEnabled": true, "subject": "away"}},
		"create": map[string]any{"x": map[string]any{}}})
	if s["updated"].(map[string]any)["singleton"] != nil || s["notCreated"] == nil {
		t.Logf("set = %v", s)
	}
	v = e.one("VacationResponse/get", map[string]any{})
	got := v["list"].([]any)[0].(map[string]any)
	if got["isEnabled"] != true || got["subject"] != "away" || v["state"] == "0" {
		t.Errorf("after set = %v", v)
	}
	if err := e.ms.SetQuota(context.Background(), testUser, 1000, 10); err != nil {
		t.Fatal(err)
	}
	e.deliver(testMessage("q", "x"))
	q := e.one("Quota/get", map[string]any{"ids": nil})
	for _, o := range q["list"].([]any) {
		o := o.(map[string]any)
		if o["resourceType"] == "count" && (o["used"] != 1.0 || o["hardLimit"] != 10.0) {
			t.Errorf("count quota = %v", o)
		}
	}
	is := e.one("Identity/set", map[string]any{"create": map[string]any{
		"ok":  map[string]any{"email": testUser, "name": "Work"},
		"bad": map[string]any{"email": "eve@example.net"}}})
	nc := is["notCreated"].(map[string]any)
	if len(is["created"].(map[string]any)) != 1 || nc["bad"] == nil {
		t.Errorf("Identity/set = %v", is)
	}
}

func TestEventSource(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
		e.srv.URL+PathEventSource+"?types=Email&closeafter=state&ping=0", nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	e.deliver(testMessage("push", "x"))
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "event: state") || !strings.Contains(all, `"Email":"`) ||
		strings.Contains(all, `"Mailbox"`) {
		t.Errorf("event stream = %q", all)
	}
}

func TestEventSourcePingAndShutdown(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PingMin = 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
		e.srv.URL+PathEventSource+"?types=*&closeafter=no&ping=1", nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "event: ping" {
			break
		}
	}
	if err := e.h.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for sc.Scan() {
	}
	if ctx.Err() != nil {
		t.Error("the stream did not end at shutdown")
	}
}

func TestSubmissionDestroyEmail(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deliver("From: alice@example.org\r\nTo: carol@example.net\r\nSubject: s\r\n\r\nx\r\n")
	ident := e.one("Identity/get", map[string]any{})["list"].([]any)[0].(map[string]any)
	rs := e.call([]any{"EmailSubmission/set", map[string]any{"accountId": "ACCT",
		"create": map[string]any{"s": map[string]any{"identityId": ident["id"],
			"emailId": string(id)}},
		"onSuccessDestroyEmail": []string{"#s"}}, "0"})
	if len(rs) != 2 || rs[1].([]any)[0] != "Email/set" {
		t.Fatalf("responses = %v", rs)
	}
	if d := rs[1].([]any)[1].(map[string]any)["destroyed"].([]any); len(d) != 1 {
		t.Errorf("implicit destroy = %v", rs[1])
	}
	if len(e.sub.sent) != 1 || e.sub.sent[0].rcpts[0] != "carol@example.net" {
		t.Errorf("sent = %+v", e.sub.sent)
	}
}
