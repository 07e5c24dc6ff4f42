package jmap

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"
)

const typePushSub = "PushSubscription"

// pushSubscription is a PushSubscription (RFC 8620 section 7.2).
type pushSubscription struct {
	ID               string    `json:"id"`
	DeviceClientID   string    `json:"deviceClientId"`
	URL              string    `json:"url,omitempty"`
	Keys             any       `json:"keys,omitempty"`
	VerificationCode *string   `json:"verificationCode"`
	Expires          *string   `json:"expires"`
	Types            *[]string `json:"types"`
	// Code is the code sent to the URL; VerificationCode must match it.
	Code string `json:"code,omitempty"`
}

func (s *pushSubscription) verified() bool {
	return s.VerificationCode != nil && *s.VerificationCode == s.Code
}

func (s *pushSubscription) expired(now time.Time) bool {
	if s.Expires == nil {
		return false
	}
	t, err := time.Parse(time.RFC3339, *s.Expires)
	return err == nil && now.After(t)
}

func (c *call) pushSubs(acct string) (map[string]pushSubscription, error) {
	raw, err := c.h.data.list(c.ctx, acct, typePushSub)
	if err != nil {
		return nil, err
	}
	return decodeSubs(raw), nil
}

func decodeSubs(raw map[string]json.RawMessage) map[string]pushSubscription {
	out := map[string]pushSubscription{}
	for id, b := range raw {
		var s pushSubscription
		if json.Unmarshal(b, &s) == nil {
			out[id] = s
		}
	}
	return out
}

// pushGet answers PushSubscription/get: url and keys are never returned
// (RFC 8620 section 7.2.1).
func (c *call) pushGet() (any, error) {
	var a struct {
		// AccountID is ignored: subscriptions belong to the user.
		AccountID  *string   `json:"accountId"`
		IDs        *[]string `json:"ids"`
		Properties *[]string `json:"properties"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	subs, err := c.pushSubs(c.p.name)
	if err != nil {
		return nil, err
	}
	var ids []string
	if a.IDs != nil {
		ids = *a.IDs
	} else {
		for id := range subs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	res := map[string]any{"notFound": []string{}}
	list, notFound := []any{}, []string{}
	for _, id := range ids {
		s, ok := subs[id]
		if !ok {
			notFound = append(notFound, id)
			continue
		}
		s.URL, s.Keys, s.Code = "", nil, ""
		o, err := filterProps(s, a.Properties)
		if err != nil {
			return nil, err
		}
		list = append(list, o)
	}
	res["list"], res["notFound"] = list, notFound
	return res, nil
}

// pushSet answers PushSubscription/set (RFC 8620 section 7.2.2): a new
// subscription is sent a PushVerification and receives nothing else
// until the client sets the verificationCode it carried.
func (c *call) pushSet() (any, error) {
	var a setArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct := c.p.name
	subs, err := c.pushSubs(acct)
	if err != nil {
		return nil, err
	}
	res := newSetResult("")
	err = c.applySet(&a, res, setOps{
		create: func(_ string, raw json.RawMessage) (string, map[string]any, error) {
			return c.createPushSub(acct, raw)
		},
		update: func(id string, patch map[string]json.RawMessage) error {
			return c.updatePushSub(acct, subs, id, patch)
		},
		destroy: func(id string) error {
			if _, ok := subs[id]; !ok {
				return setErr(SetErrNotFound, "")
			}
			return c.h.data.put(c.ctx, acct, typePushSub, id, nil)
		},
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"created": res.Created, "updated": res.Updated,
		"destroyed": res.Destroyed, "notCreated": res.NotCreated,
		"notUpdated": res.NotUpdated, "notDestroyed": res.NotDestroyed}, nil
}

func (c *call) createPushSub(acct string, raw json.RawMessage) (string, map[string]any,
	error) {
	var s pushSubscription
	if err := json.Unmarshal(raw, &s); err != nil || s.DeviceClientID == "" ||
		!c.h.validPushURL(s.URL) || s.VerificationCode != nil {
		return "", nil, setErr(SetErrInvalidProps, "", "url", "deviceClientId")
	}
	if s.Keys != nil {
		// Not yet: RFC 8291 message encryption.
		return "", nil, setErr(SetErrInvalidProps, "keys are not supported", "keys")
	}
	var err error
	if s.ID, err = c.h.data.nextID(c.ctx, acct, typePushSub, 'p'); err != nil {
		return "", nil, err
	}
	s.Code = randomCode()
	if err := c.h.data.put(c.ctx, acct, typePushSub, s.ID, s); err != nil {
		return "", nil, err
	}
	c.h.post(s.URL, map[string]any{"@type": "PushVerification",
		"pushSubscriptionId": s.ID, "verificationCode": s.Code})
	return s.ID, map[string]any{"keys": nil, "expires": s.Expires}, nil
}

func (c *call) updatePushSub(acct string, subs map[string]pushSubscription, id string,
	patch map[string]json.RawMessage) error {
	s, ok := subs[id]
	if !ok {
		return setErr(SetErrNotFound, "")
	}
	b, _ := json.Marshal(patch)
	if err := json.Unmarshal(b, &s); err != nil || s.ID != id {
		return setErr(SetErrInvalidPatch, "")
	}
	if s.VerificationCode != nil && !s.verified() {
		return setErr(SetErrInvalidProps, "wrong code", "verificationCode")
	}
	if err := c.h.data.put(c.ctx, acct, typePushSub, id, s); err != nil {
		return err
	}
	if s.verified() {
		c.h.startDispatch(acct)
	}
	return nil
}

func randomCode() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) validPushURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && h.opts.AllowInsecurePush)
}

// post sends a push object in the background; failures are logged.
func (h *Handler) post(target string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	h.pushers.Add(1)
	go func() {
		defer h.pushers.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		go func() {
			select {
			case <-h.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("TTL", "86400")
		resp, err := h.opts.PushClient.Do(req)
		if err != nil {
			h.opts.Logger.Warn("jmap push failed", "url", target, "err", err)
			return
		}
		resp.Body.Close()
	}()
}

// startDispatch follows an account's changes and pushes StateChange
// objects to its verified subscriptions, once per account.
func (h *Handler) startDispatch(acct string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.dispatching[acct] {
		return
	}
	h.dispatching[acct] = true
	events, cancel := h.ms.Subscribe(acct)
	h.pushers.Add(1)
	go func() {
		defer h.pushers.Done()
		defer cancel()
		for {
			select {
			case <-h.done:
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				h.dispatch(acct, ev)
			}
		}
	}()
}
