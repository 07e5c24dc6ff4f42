package jmap

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store/memory"
)

const (
	testUser = "alice@example.org"
	testPass = "secret-password"
)

// fakeSubmitter records submitted messages.
type fakeSubmitter struct {
	mu   sync.Mutex
	sent []sentMsg
}

type sentMsg struct {
	from  string
	rcpts []string
	data  string
}

func (f *fakeSubmitter) Submit(_ context.Context, from string, rcpts []string,
	r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sentMsg{from, rcpts, string(b)})
	return nil
}

type env struct {
	t    testing.TB
	ms   *mailstore.Store
	h    *Handler
	srv  *httptest.Server
	sub  *fakeSubmitter
	acct string
}

func newEnv(t testing.TB, mod func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	kv, blobs := memory.New(), memory.NewBlobs()
	ms, err := mailstore.New(ctx, mailstore.Options{KV: kv, Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := local.New(ctx, kv, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.AddDomain(ctx, "example.org"); err != nil {
		t.Fatal(err)
	}
	p := directory.Principal{Name: testUser, Emails: []string{testUser},
		DisplayName: "Alice"}
	if err := dir.CreatePrincipal(ctx, p, testPass); err != nil {
		t.Fatal(err)
	}
	if err := ms.CreateAccount(ctx, testUser); err != nil {
		t.Fatal(err)
	}
	sub := &fakeSubmitter{}
	opts := Options{Store: ms, KV: kv, Blobs: blobs, Directory: dir, Submitter: sub,
		AllowPlainAuth: true}
	if mod != nil {
		mod(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		srv.Close()
	})
	return &env{t: t, ms: ms, h: h, srv: srv, sub: sub, acct: accountID(testUser)}
}

// post sends a raw API request and returns status and body.
func (e *env) post(path, body string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.SetBasicAuth(testUser, testPass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// call runs method calls (each [name, args, id]) and returns the
// responses as generic JSON.
func (e *env) call(calls ...[]any) []any {
	e.t.Helper()
	return e.callRaw(map[string]any{"using": []string{CapCore, CapMail, CapSubmission,
		CapVacation, CapQuota}, "methodCalls": calls})
}

// callRaw sends a request object and returns the method responses.
func (e *env) callRaw(req map[string]any) []any {
	e.t.Helper()
	b, _ := json.Marshal(req)
	b = bytes.ReplaceAll(b, []byte("ACCT"), []byte(e.acct))
	code, body := e.post(PathAPI, string(b))
	if code != http.StatusOK {
		e.t.Fatalf("API status %d: %s", code, body)
	}
	var resp struct {
		MethodResponses []any `json:"methodResponses"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		e.t.Fatalf("bad response %s: %v", body, err)
	}
	return resp.MethodResponses
}

// one runs a single call and returns its response arguments, failing on
// an error response.
func (e *env) one(name string, args map[string]any) map[string]any {
	e.t.Helper()
	if _, ok := args["accountId"]; !ok {
		args["accountId"] = e.acct
	}
	rs := e.call([]any{name, args, "c0"})
	r := rs[0].([]any)
	if r[0] != name {
		e.t.Fatalf("%s answered %v", name, r)
	}
	return r[1].(map[string]any)
}

func (e *env) deliver(msg string) mailstore.EmailID {
	e.t.Helper()
	d, err := e.ms.Deliver(context.Background(), strings.NewReader(msg), time.Time{},
		[]mailstore.Recipient{{Account: testUser}})
	if err != nil || d[0].Err != nil {
		e.t.Fatalf("deliver: %v %v", err, d)
	}
	return d[0].EmailID
}

func (e *env) mailboxID(name string) string {
	e.t.Helper()
	m, err := e.ms.MailboxByName(context.Background(), testUser, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(m.ID)
}

func testMessage(subject, body string) string {
	return "From: Bob <bob@example.net>\r\nTo: Alice <alice@example.org>\r\n" +
		"Subject: " + subject + "\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.net>\r\n" +
		"X-Test: one\r\nX-Test: two\r\n\r\n" + body + "\r\n"
}

func (e *env) get(path string) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mailstoreID(s string) mailstore.EmailID { return mailstore.EmailID(s) }
