package jmap

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestLimits(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.MaxObjectsInSet = 2
		o.MaxConcurrentRequests = 1
		o.MaxConcurrentUpload = 1
	})
	rs := e.call([]any{"Email/set", map[string]any{"accountId": "ACCT",
		"destroy": []string{"e1", "e2", "e3"}}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeRequestTooLarge {
		t.Errorf("too many objects in set = %v", r)
	}
	// Hold the only request slot: the next request is refused.
	e.h.reqSem <- struct{}{}
	code, body := e.post(PathAPI, `{"using":[],"methodCalls":[]}`)
	<-e.h.reqSem
	var p problem
	_ = json.Unmarshal(body, &p)
	if code != http.StatusTooManyRequests || p.Limit != "maxConcurrentRequests" {
		t.Errorf("concurrent request = %d %s", code, body)
	}
	e.h.upSem <- struct{}{}
	code, body = e.post(PathUpload+e.acct+"/", "data")
	<-e.h.upSem
	_ = json.Unmarshal(body, &p)
	if code != http.StatusTooManyRequests || p.Limit != "maxConcurrentUpload" {
		t.Errorf("concurrent upload = %d %s", code, body)
	}
}
