package jmap

import (
	"context"
	"testing"

	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store/memory"
)

func TestSieveScripts(t *testing.T) {
	st := sieve.NewStorage(memory.New(), sieve.StorageOptions{})
	e := newEnv(t, func(o *Options) { o.Sieve = st })
	good := e.upload("require \"fileinto\";\r\nfileinto \"Junk\";\r\n", "application/sieve")
	bad := e.upload("if bogus {", "application/sieve")
	call := func(name string, args map[string]any) map[string]any {
		t.Helper()
		args["accountId"] = e.acct
		b := map[string]any{"using": []string{CapCore, CapSieve},
			"methodCalls": []any{[]any{name, args, "0"}}}
		rs := e.callRaw(b)
		r := rs[0].([]any)
		if r[0] != name {
			t.Fatalf("%s = %v", name, r)
		}
		return r[1].(map[string]any)
	}
	v := call("SieveScript/validate", map[string]any{"blobId": bad})
	if v["error"] == nil || v["error"].(map[string]any)["type"] != SetErrInvalidSieve {
		t.Errorf("validate bad = %v", v)
	}
	if v := call("SieveScript/validate", map[string]any{"blobId": good}); v["error"] != nil {
		t.Errorf("validate good = %v", v)
	}
	s := call("SieveScript/set", map[string]any{"create": map[string]any{
		"a": map[string]any{"name": "main", "blobId": good},
		"b": map[string]any{"name": "broken", "blobId": bad}},
		"onSuccessActivateScript": "#a"})
	created := s["created"].(map[string]any)
	if len(created) != 1 || s["notCreated"].(map[string]any)["b"] == nil {
		t.Fatalf("SieveScript/set = %v", s)
	}
	id := created["a"].(map[string]any)["id"].(string)
	if _, name, err := st.Active(context.Background(), testUser); err != nil || name != "main" {
		t.Errorf("active = %q, %v", name, err)
	}
	g := call("SieveScript/get", map[string]any{})
	l := g["list"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["isActive"] != true {
		t.Fatalf("SieveScript/get = %v", g)
	}
	blobID := l[0].(map[string]any)["blobId"].(string)
	code, body := e.get(PathDownload + e.acct + "/" + blobID + "/s")
	if code != 200 || string(body) != "require \"fileinto\";\r\nfileinto \"Junk\";\r\n" {
		t.Errorf("script download = %d %q", code, body)
	}
	s = call("SieveScript/set", map[string]any{"update": map[string]any{
		id: map[string]any{"name": "renamed"}}, "destroy": []string{id}})
	if s["notDestroyed"].(map[string]any)[id] == nil {
		t.Errorf("destroying the active script = %v", s)
	}
	s = call("SieveScript/set", map[string]any{"onSuccessDeactivateScript": true})
	s = call("SieveScript/set", map[string]any{"destroy": []string{id}})
	if len(s["destroyed"].([]any)) != 1 {
		t.Errorf("destroy = %v", s)
	}
}

// TestSieveFailedActivation is case 029: a create that fails (its blob
// reference resolves to nothing) activates nothing; the next create of
// the same name is activated and listed once, with the uploaded blob.
func TestSieveFailedActivation(t *testing.T) {
	st := sieve.NewStorage(memory.New(), sieve.StorageOptions{})
	e := newEnv(t, func(o *Options) { o.Sieve = st })
	set := func(args map[string]any) map[string]any {
		t.Helper()
		args["accountId"] = e.acct
		rs := e.callRaw(map[string]any{"using": []string{CapCore, CapSieve},
			"methodCalls": []any{[]any{"SieveScript/set", args, "0"}}})
		return rs[0].([]any)[1].(map[string]any)
	}
	r := set(map[string]any{"create": map[string]any{
		"s1": map[string]any{"name": "main", "blobId": "#up1"}},
		"onSuccessActivateScript": "#s1"})
	if r["notCreated"].(map[string]any)["s1"] == nil {
		t.Fatalf("create with a dangling blob = %v", r)
	}
	if sc, name, err := st.Active(context.Background(), testUser); err != nil || sc != nil {
		t.Fatalf("active after failed create = %q, %v", name, err)
	}
	src := "require [\"fileinto\", \"mailbox\"];\r\nif header :contains \"subject\" " +
		"\"FILTER-ME\" {\r\n  fileinto :create \"Sorted\";\r\n} else {\r\n  keep;\r\n}\r\n"
	blob := e.upload(src, "application/sieve")
	r = set(map[string]any{"create": map[string]any{
		"s2": map[string]any{"name": "main", "blobId": blob}},
		"onSuccessActivateScript": "#s2"})
	if len(r["created"].(map[string]any)) != 1 {
		t.Fatalf("second create = %v", r)
	}
	sc, name, err := st.Active(context.Background(), testUser)
	if err != nil || sc == nil || name != "main" {
		t.Fatalf("active = %q, %v", name, err)
	}
	rs := e.callRaw(map[string]any{"using": []string{CapCore, CapSieve},
		"methodCalls": []any{[]any{"SieveScript/get",
			map[string]any{"accountId": e.acct}, "0"}}})
	list := rs[0].([]any)[1].(map[string]any)["list"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["blobId"] != blob ||
		list[0].(map[string]any)["isActive"] != true {
		t.Errorf("SieveScript/get = %v", list)
	}
}
