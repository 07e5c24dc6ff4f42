package jmap

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

func dialWS(t *testing.T, e *env, proto string) (*websocket.Conn, error) {
	t.Helper()
	cfg, err := websocket.NewConfig("ws"+strings.TrimPrefix(e.srv.URL, "http")+PathWebSocket,
		e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Protocol = []string{proto}
	cfg.Header = http.Header{"Authorization": {"Basic " +
		base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPass))}}
	return websocket.DialConfig(cfg)
}

func TestWebSocket(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := dialWS(t, e, "chat"); err == nil {
		t.Error("dial without the jmap subprotocol succeeded")
	}
	ws, err := dialWS(t, e, "jmap")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetDeadline(time.Now().Add(10 * time.Second))
	recv := func() map[string]any {
		t.Helper()
		var m map[string]any
		if err := websocket.JSON.Receive(ws, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	send := func(v any) {
		t.Helper()
		if err := websocket.JSON.Send(ws, v); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"@type": "Request", "id": "r1", "using": []string{CapCore},
		"methodCalls": []any{[]any{"Core/echo", map[string]any{"x": 1}, "c1"}}})
	if m := recv(); m["@type"] != "Response" || m["requestId"] != "r1" {
		t.Errorf("response = %v", m)
	}
	send(map[string]any{"@type": "Bogus", "id": "r2"})
	if m := recv(); m["@type"] != "RequestError" || m["requestId"] != "r2" {
		t.Errorf("bad @type answered %v", m)
	}
	send(map[string]any{"@type": "Request", "id": "r3", "using": []string{"urn:x"},
		"methodCalls": []any{}})
	if m := recv(); m["type"] != ProblemUnknownCapability {
		t.Errorf("unknown capability answered %v", m)
	}
	send(map[string]any{"@type": "WebSocketPushEnable", "dataTypes": []string{"Email"}})
	// Give the subscription a moment, then deliver.
	send(map[string]any{"@type": "Request", "id": "r4", "using": []string{CapCore},
		"methodCalls": []any{}})
	recv()
	e.deliver(testMessage("ws push", "x"))
	m := recv()
	changed, _ := m["changed"].(map[string]any)[e.acct].(map[string]any)
	if m["@type"] != "StateChange" || changed["Email"] == nil || changed["Mailbox"] != nil {
		t.Errorf("push = %v", m)
	}
}
