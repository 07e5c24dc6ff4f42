package jmap

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPushSubscription(t *testing.T) {
	got := make(chan map[string]any, 16)
	client := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			got <- m
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer client.Close()
	e := newEnv(t, func(o *Options) { o.AllowInsecurePush = true })
	wait := func() map[string]any {
		t.Helper()
		select {
		case m := <-got:
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no push arrived")
		}
		return nil
	}
	r := e.one("PushSubscription/set", map[string]any{"accountId": nil, "create": map[string]any{
		"p": map[string]any{"deviceClientId": "dev1", "url": client.URL + "/push",
			"types": []string{"Email"}},
		"bad": map[string]any{"deviceClientId": "dev1", "url": "ftp://x"}}})
	created := r["created"].(map[string]any)
	if len(created) != 1 || r["notCreated"].(map[string]any)["bad"] == nil {
		t.Fatalf("PushSubscription/set = %v", r)
	}
	id := created["p"].(map[string]any)["id"].(string)
	v := wait()
	if v["@type"] != "PushVerification" || v["pushSubscriptionId"] != id {
		t.Fatalf("verification = %v", v)
	}
	r = e.one("PushSubscription/set", map[string]any{"accountId": nil, "update": map[string]any{
		id: map[string]any{"verificationCode": "wrong"}}})
	if r["notUpdated"].(map[string]any)[id] == nil {
		t.Errorf("wrong code accepted: %v", r)
	}
	e.one("PushSubscription/set", map[string]any{"accountId": nil, "update": map[string]any{
		id: map[string]any{"verificationCode": v["verificationCode"]}}})
	g := e.one("PushSubscription/get", map[string]any{"accountId": nil})
	sub := g["list"].([]any)[0].(map[string]any)
	if sub["url"] != nil || sub["verificationCode"] != v["verificationCode"] {
		t.Errorf("PushSubscription/get = %v", sub)
	}
	e.deliver(testMessage("pushed", "x"))
	sc := wait()
	changed := sc["changed"].(map[string]any)[e.acct].(map[string]any)
	if sc["@type"] != "StateChange" || changed["Email"] == nil || changed["Mailbox"] != nil {
		t.Errorf("state change = %v", sc)
	}
}
