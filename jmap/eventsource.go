package jmap

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// serveEventSource streams StateChange events (RFC 8620 section 7.3)
// from mailstore's change notifications. Query parameters: types (comma
// list or "*"), closeafter ("state" or "no"), ping (seconds, 0 = none).
func (h *Handler) serveEventSource(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	q := r.URL.Query()
	types := parseTypes(q.Get("types"))
	closeAfter := q.Get("closeafter") == "state"
	ping, _ := strconv.Atoi(q.Get("ping"))
	if ping > 0 && ping < h.opts.PingMin {
		ping = h.opts.PingMin
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	h.inflight.Add(1)
	h.mu.Unlock()
	defer h.inflight.Done()

	p := principalOf(r.Context())
	events, cancel := h.ms.Subscribe(p.name)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()

	var tick <-chan time.Time
	if ping > 0 {
		t := time.NewTicker(time.Duration(ping) * time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case <-tick:
			fmt.Fprintf(w, "event: ping\ndata: {\"interval\":%d}\n\n", ping)
			fl.Flush()
		case ev, ok := <-events:
			if !ok {
				return
			}
			changed := stateChange(ev, types)
			if len(changed) == 0 {
				continue
			}
			b, _ := json.Marshal(map[string]any{"@type": "StateChange",
				"changed": map[string]any{accountID(p.name): changed}})
			fmt.Fprintf(w, "event: state\ndata: %s\n\n", b)
			fl.Flush()
			if closeAfter {
				return
			}
		}
	}
}

func parseTypes(s string) map[string]bool {
	if s == "" || s == "*" {
		return nil
	}
	out := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		out[strings.TrimSpace(t)] = true
	}
	return out
}

// stateChange lists the new state of each type an event touched.
func stateChange(ev mailstore.Event, types map[string]bool) map[string]string {
	out := map[string]string{}
	add := func(k mailstore.Kind, names ...string) {
		if ev.Kinds&k == 0 {
			return
		}
		for _, n := range names {
			if types == nil || types[n] {
				out[n] = state(ev.ModSeq)
			}
		}
	}
	add(mailstore.KindEmail, "Email", "EmailDelivery")
	add(mailstore.KindMailbox, "Mailbox")
	add(mailstore.KindThread, "Thread")
	return out
}
