package jmap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// replaceAccounts sets every accountId and fromAccountId in v to acct.
func replaceAccounts(v any, acct string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "accountId" {
				x[k] = acct
				continue
			}
			if k == "fromAccountId" {
				x[k] = accountID("someone-else@example.org")
				continue
			}
			replaceAccounts(val, acct)
		}
	case []any:
		for _, val := range x {
			replaceAccounts(val, acct)
		}
	}
}

// TestRFCExamples runs the method calls of every RFC 8620 and 8621 example
// written as strict JSON against a live account. The states and ids of
// the examples do not exist here, so state and reference errors are
// expected; an unknown method, refused arguments or a server failure are
// not.
func TestRFCExamples(t *testing.T) {
	e := newEnv(t, nil)
	e.deliver(testMessage("example", "text"))
	ran := 0
	for _, rfc := range []string{"rfc8620", "rfc8621"} {
		ran += runExamples(t, e, rfc)
	}
	if ran < 12 {
		t.Errorf("ran %d examples, want at least 12", ran)
	}
}

func runExamples(t *testing.T, e *env, rfc string) int {
	dir := filepath.Join("..", "..", "shared", "testdata", "jmap", rfc)
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Examples []struct {
			File    string   `json:"file"`
			Kind    string   `json:"kind"`
			Strict  bool     `json:"strict_json"`
			Methods []string `json:"methods"`
		} `json:"examples"`
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{ErrTypeCannotCalculate: true, ErrTypeStateMismatch: true,
		ErrTypeInvalidResultReference: true, ErrTypeAnchorNotFound: true,
		ErrTypeFromAccountNotFound: true}
	ran := 0
	for _, ex := range index.Examples {
		known := true
		for _, m := range ex.Methods {
			_, ok := e.h.methods[m]
			known = known && ok
		}
		if ex.Kind != "method-calls" || !ex.Strict || !known {
			continue
		}
		t.Run(rfc+"/"+ex.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, ex.File))
			if err != nil {
				t.Fatal(err)
			}
			var calls []any
			if err := json.Unmarshal(b, &calls); err != nil {
				t.Fatalf("%s: %v", ex.File, err)
			}
			if _, single := calls[0].(string); single {
				calls = []any{calls}
			}
			replaceAccounts(calls, e.acct)
			callList := make([][]any, len(calls))
			for i, c := range calls {
				callList[i] = c.([]any)
				if args := callList[i][1].(map[string]any); args["accountId"] == nil {
					args["accountId"] = e.acct
				}
			}
			rs := e.call(callList...)
			if len(rs) < len(calls) {
				t.Fatalf("%d calls, %d responses", len(calls), len(rs))
			}
			for i, r := range rs {
				r := r.([]any)
				if r[0] == "error" {
					typ := r[1].(map[string]any)["type"].(string)
					if !allowed[typ] {
						t.Errorf("response %d: error %v", i, r[1])
					}
				}
			}
			ran++
		})
	}
	return ran
}
