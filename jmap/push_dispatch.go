package jmap

import (
	"context"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// dispatch sends one change event to the account's verified, unexpired
// subscriptions (RFC 8620 section 7.1).
func (h *Handler) dispatch(acct string, ev mailstore.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := h.data.list(ctx, acct, typePushSub)
	if err != nil {
		h.opts.Logger.Error("jmap push subscriptions", "account", acct, "err", err)
		return
	}
	now := time.Now()
	for _, s := range decodeSubs(raw) {
		if !s.verified() || s.expired(now) {
			continue
		}
		var types map[string]bool
		if s.Types != nil {
			types = map[string]bool{}
			for _, t := range *s.Types {
				types[t] = true
			}
		}
		changed := stateChange(ev, types)
		if len(changed) == 0 {
			continue
		}
		h.post(s.URL, map[string]any{"@type": "StateChange",
			"changed": map[string]any{accountID(acct): changed}})
	}
}
