package jmap

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSession(t *testing.T) {
	e := newEnv(t, nil)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+PathSession, nil)
	req.SetBasicAuth(testUser, testPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	caps := s["capabilities"].(map[string]any)
	core := caps[CapCore].(map[string]any)
	for _, k := range []string{"maxSizeUpload", "maxConcurrentUpload", "maxSizeRequest",
		"maxConcurrentRequests", "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet",
		"collationAlgorithms"} {
		if _, ok := core[k]; !ok {
			t.Errorf("core capability lacks %s", k)
		}
	}
	for _, k := range []string{"apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl",
		"state", "username"} {
		if s[k] == nil || s[k] == "" {
			t.Errorf("session lacks %s", k)
		}
	}
	if pa := s["primaryAccounts"].(map[string]any); pa[CapMail] != e.acct {
		t.Errorf("primaryAccounts[mail] = %v, want %s", pa[CapMail], e.acct)
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name  string
		plain bool
		user  string
		pass  string
		want  int
	}{
		{"good", true, testUser, testPass, 200},
		{"bad password", true, testUser, "nope", 401},
		{"plain refused", false, testUser, testPass, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.AllowPlainAuth = tc.plain })
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+PathSession, nil)
			req.SetBasicAuth(tc.user, tc.pass)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

type tokens map[string]string

func (tk tokens) ValidateToken(_ context.Context, tok string) (string, error) {
	if n, ok := tk[tok]; ok {
		return n, nil
	}
	return "", errors.New("bad token")
}

func TestBearer(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Tokens = tokens{"tok1": testUser} })
	for tok, want := range map[string]int{"tok1": 200, "tok2": 401} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+PathSession, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token %s: status %d, want %d", tok, resp.StatusCode, want)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxCallsInRequest = 2; o.MaxSizeRequest = 2000 })
	tests := []struct {
		name, body, wantType string
		wantStatus           int
	}{
		{"not json", "{nope", ProblemNotJSON, 400},
		{"not UTF-8", "{\"using\":[],\"methodCalls\":[],\"x\":\"\xff\xfe\"}", ProblemNotJSON, 400},
		{"not request", `{"foo":1}`, ProblemNotRequest, 400},
		{"args not object", `{"using":[],"methodCalls":[["Core/echo",[],"a"]]}`,
			ProblemNotRequest, 400},
		{"unknown capability", `{"using":["urn:x"],"methodCalls":[]}`,
			ProblemUnknownCapability, 400},
		{"too many calls", `{"using":["` + CapCore + `"],"methodCalls":[` +
			`["Core/echo",{},"a"],["Core/echo",{},"b"],["Core/echo",{},"c"]]}`,
			ProblemLimit, 400},
		{"too large", `{"using":[],"methodCalls":[],"x":"` + strings.Repeat("x", 3000) + `"}`,
			ProblemLimit, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.post(PathAPI, tc.body)
			var p problem
			_ = json.Unmarshal(body, &p)
			if code != tc.wantStatus || p.Type != tc.wantType {
				t.Errorf("got %d %s, want %d %s", code, body, tc.wantStatus, tc.wantType)
			}
		})
	}
}

func TestMethodErrors(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxObjectsInGet = 2 })
	rs := e.call(
		[]any{"Foo/bar", map[string]any{}, "0"},
		[]any{"Mailbox/get", map[string]any{"accountId": "nobody"}, "1"},
		[]any{"Mailbox/get", map[string]any{"accountId": "ACCT", "bogus": 1}, "2"},
		[]any{"Mailbox/get", map[string]any{"accountId": "ACCT",
			"ids": []string{"a", "b", "c"}}, "3"},
		[]any{"Mailbox/changes", map[string]any{"accountId": "ACCT",
			"sinceState": "999999"}, "4"},
		[]any{"Email/get", map[string]any{"accountId": "ACCT",
			"#ids": map[string]any{"resultOf": "zz", "name": "Email/query",
				"path": "/ids"}}, "5"},
		[]any{"Mailbox/set", map[string]any{"accountId": "ACCT",
			"ifInState": "bogus"}, "6"},
	)
	want := []string{ErrTypeUnknownMethod, ErrTypeAccountNotFound, ErrTypeInvalidArguments,
		ErrTypeRequestTooLarge, ErrTypeCannotCalculate, ErrTypeInvalidResultReference,
		ErrTypeStateMismatch}
	for i, w := range want {
		r := rs[i].([]any)
		if r[0] != "error" || r[1].(map[string]any)["type"] != w {
			t.Errorf("call %d = %v, want error %s", i, r, w)
		}
	}
}

func TestEcho(t *testing.T) {
	e := newEnv(t, nil)
	rs := e.call([]any{"Core/echo", map[string]any{"hello": true, "high": 5}, "b3ff"})
	r := rs[0].([]any)
	args := r[1].(map[string]any)
	if r[0] != "Core/echo" || r[2] != "b3ff" || args["hello"] != true || args["high"] != 5.0 {
		t.Errorf("echo = %v", r)
	}
}

func TestPointer(t *testing.T) {
	// RFC 8620 section 3.7, the JSON object of the third example.
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "testdata", "jmap",
		"rfc8620", "009-references-to-previous-method-results-json-object.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := evalPointer(doc, "/ids"); !ok || len(v.([]any)) != 2 {
		t.Errorf("evalPointer(/ids) = %v, %v", v, ok)
	}
	// The "*" example of RFC 8620 section 3.7 (Thread/get emailIds).
	var threads any
	_ = json.Unmarshal([]byte(`{"list":[{"id":"t1","emailIds":["a","b"]},`+
		`{"id":"t2","emailIds":["c"]}]}`), &threads)
	v, ok := evalPointer(threads, "/list/*/emailIds")
	if got, _ := json.Marshal(v); !ok || string(got) != `["a","b","c"]` {
		t.Errorf("evalPointer(/list/*/emailIds) = %s, %v", got, ok)
	}
	doc = threads
	for _, bad := range []string{"list", "/nope", "/list/99"} {
		if _, ok := evalPointer(doc, bad); ok {
			t.Errorf("evalPointer(%q) resolved", bad)
		}
	}
}

func TestRFCRequestExamples(t *testing.T) {
	// Every strict request envelope of RFC 8620 parses.
	dir := filepath.Join("..", "..", "shared", "testdata", "jmap", "rfc8620")
	f, err := os.Open(filepath.Join(dir, "002-example-request-request-envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	req, err := ParseRequest(io.Reader(f))
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	if len(req.MethodCalls) != 3 || req.MethodCalls[0].Name != "method1" {
		t.Errorf("ParseRequest = %+v", req)
	}
}
