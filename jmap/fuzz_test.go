package jmap

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRequest feeds request bodies to the parser and, when they parse, to
// the method dispatcher: neither may panic, and every call gets an answer.
func FuzzRequest(f *testing.F) {
	for _, rfc := range []string{"rfc8620", "rfc8621"} {
		dir := filepath.Join("..", "..", "shared", "testdata", "jmap", rfc)
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil || strings.HasSuffix(p, "index.json") {
				continue
			}
			f.Add(b)
			// Method-call arrays become requests.
			if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
				f.Add([]byte(`{"using":["` + CapCore + `","` + CapMail + `"],` +
					`"methodCalls":` + string(b) + `}`))
			}
		}
	}
	f.Add([]byte(`{"using":[],"methodCalls":[["Core/echo",{"#a":{"resultOf":"x",` +
		`"name":"y","path":"/*/*"}},"c"]]}`))
	e := newEnv(f, nil)
	p := &principal{name: testUser, emails: []string{testUser}}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(bytes.NewReader(body))
		if err != nil {
			return
		}
		if _, ok := e.h.checkRequest(req); !ok {
			return
		}
		if len(req.MethodCalls) > 8 {
			return
		}
		resp := e.h.run(context.Background(), p, req)
		if len(resp.MethodResponses) < len(req.MethodCalls) {
			t.Fatalf("%d calls, %d responses", len(req.MethodCalls), len(resp.MethodResponses))
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("response does not marshal: %v", err)
		}
	})
}
