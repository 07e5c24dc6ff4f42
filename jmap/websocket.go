package jmap

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/websocket"
)

// PathWebSocket is where JMAP over WebSocket (RFC 8887) is served.
const PathWebSocket = "/jmap/ws"

// wsConn is one JMAP WebSocket connection.
type wsConn struct {
	h    *Handler
	ws   *websocket.Conn
	p    *principal
	ctx  context.Context
	wmu  sync.Mutex
	push context.CancelFunc
	wg   sync.WaitGroup
}

// serveWebSocket upgrades to the "jmap" subprotocol (RFC 8887 section 3).
func (h *Handler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	h.inflight.Add(1)
	h.mu.Unlock()
	defer h.inflight.Done()
	srv := websocket.Server{
		Handshake: func(cfg *websocket.Config, _ *http.Request) error {
			if !slices.Contains(cfg.Protocol, "jmap") {
				return websocket.ErrBadWebSocketProtocol
			}
			cfg.Protocol = []string{"jmap"}
			return nil
		},
		Handler: func(ws *websocket.Conn) {
			c := &wsConn{h: h, ws: ws, p: principalOf(r.Context()), ctx: r.Context()}
			c.serve()
		},
	}
	srv.ServeHTTP(w, r)
}

func (c *wsConn) serve() {
	defer func() {
		if v := recover(); v != nil {
			c.h.opts.Logger.Error("jmap websocket panic", "panic", v)
		}
		c.stopPush()
		c.ws.Close()
		c.wg.Wait()
	}()
	c.ws.MaxPayloadBytes = int(c.h.opts.MaxSizeRequest)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		select {
		case <-c.h.done:
			c.ws.Close()
		case <-c.ctx.Done():
			c.ws.Close()
		case <-quit:
		}
	}()
	for {
		var msg []byte
		if err := websocket.Message.Receive(c.ws, &msg); err != nil {
			return
		}
		c.handle(msg)
	}
}

func (c *wsConn) send(v any) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = websocket.JSON.Send(c.ws, v)
}

// handle processes one client message (RFC 8887 section 4.3).
func (c *wsConn) handle(msg []byte) {
	var head struct {
		Type      string   `json:"@type"`
		ID        string   `json:"id"`
		DataTypes []string `json:"dataTypes"`
	}
	if err := json.Unmarshal(msg, &head); err != nil {
		c.send(wsError("", ProblemNotJSON, "the message is not JSON"))
		return
	}
	switch head.Type {
	case "Request":
		c.request(head.ID, msg)
	case "WebSocketPushEnable":
		c.startPush(head.DataTypes)
	case "WebSocketPushDisable":
		c.stopPush()
	default:
		c.send(wsError(head.ID, ProblemNotRequest, "unknown @type"))
	}
}

func wsError(id, typ, detail string) map[string]any {
	m := map[string]any{"@type": "RequestError", "type": typ, "status": 400,
		"detail": detail}
	if id != "" {
		m["requestId"] = id
	}
	return m
}

func (c *wsConn) request(id string, msg []byte) {
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(msg, &raw)
	delete(raw, "@type")
	delete(raw, "id")
	b, _ := json.Marshal(raw)
	req, err := ParseRequest(strings.NewReader(string(b)))
	if err != nil {
		c.send(wsError(id, ProblemNotRequest, "not a JMAP request"))
		return
	}
	if p, ok := c.h.checkRequest(req); !ok {
		e := wsError(id, p.Type, p.Detail)
		if p.Limit != "" {
			e["limit"] = p.Limit
		}
		c.send(e)
		return
	}
	resp := c.h.run(c.ctx, c.p, req)
	out := map[string]any{"@type": "Response", "methodResponses": resp.MethodResponses,
		"sessionState": resp.SessionState}
	if id != "" {
		out["requestId"] = id
	}
	if resp.CreatedIDs != nil {
		out["createdIds"] = resp.CreatedIDs
	}
	c.send(out)
}

// startPush sends StateChange objects for the data types asked (RFC 8887
// section 4.3.5); a second enable replaces the first.
func (c *wsConn) startPush(dataTypes []string) {
	c.stopPush()
	var types map[string]bool
	if dataTypes != nil {
		types = map[string]bool{}
		for _, t := range dataTypes {
			types[t] = true
		}
	}
	ctx, cancel := context.WithCancel(c.ctx)
	c.push = cancel
	events, unsub := c.h.ms.Subscribe(c.p.name)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer unsub()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				if changed := stateChange(ev, types); len(changed) > 0 {
					c.send(map[string]any{"@type": "StateChange",
						"changed": map[string]any{accountID(c.p.name): changed}})
				}
			}
		}
	}()
}

func (c *wsConn) stopPush() {
	if c.push != nil {
		c.push()
		c.push = nil
	}
}
