package jmap

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/bulwarkmail/bulwark/mailstore"
)

type addedItem struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
}

// emailQueryChanges answers Email/queryChanges (RFC 8620 section 5.6)
// from the change log: every email changed since the old query state is
// reported removed, and those of them in the current results added at
// their index, which the RFC allows. Collapsed threads cannot be
// followed that way and get cannotCalculateChanges.
func (c *call) emailQueryChanges() (any, error) {
	var a struct {
		emailQueryArgs
		SinceQueryState string `json:"sinceQueryState"`
		MaxChanges      *int   `json:"maxChanges"`
		UpToID          string `json:"upToId"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	since, perr := strconv.ParseUint(a.SinceQueryState, 10, 64)
	if perr != nil || a.CollapseThreads {
		return nil, methodErr(ErrTypeCannotCalculate, "")
	}
	ch, err := c.h.ms.ChangesOf(c.ctx, acct, mailstore.KindEmail, since, 0)
	if errors.Is(err, mailstore.ErrChangesTrimmed) || errors.Is(err, mailstore.ErrTooManyChanges) {
		return nil, methodErr(ErrTypeCannotCalculate, "")
	}
	if err != nil {
		return nil, err
	}
	// Run the query again, whole.
	a.emailQueryArgs.Position, a.emailQueryArgs.Anchor, a.emailQueryArgs.Limit = 0, "", nil
	c.args = argsOf(a.emailQueryArgs)
	res, err := c.emailQuery()
	if err != nil {
		return nil, err
	}
	qr := res.(*queryResult)
	changed := append(append([]string{}, strs(ch.Emails.Updated)...),
		strs(ch.Emails.Destroyed)...)
	removed := slices.Clone(changed)
	added := []addedItem{}
	isNew := map[string]bool{}
	for _, id := range append(strs(ch.Emails.Created), strs(ch.Emails.Updated)...) {
		isNew[id] = true
	}
	for i, id := range qr.IDs {
		if isNew[id] {
			added = append(added, addedItem{id, i})
		}
	}
	if a.MaxChanges != nil && len(removed)+len(added) > *a.MaxChanges {
		return nil, methodErr(ErrTypeTooManyChanges, "")
	}
	out := map[string]any{"accountId": a.AccountID, "oldQueryState": a.SinceQueryState,
		"newQueryState": qr.QueryState, "removed": removed, "added": added}
	if a.CalculateTotal {
		out["total"] = len(qr.IDs)
	}
	return out, nil
}

func argsOf(v any) map[string]json.RawMessage {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	for k, v := range m {
		if string(v) == "null" || string(v) == `""` {
			delete(m, k)
		}
	}
	return m
}
