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

// queryChangesArgs are the arguments every /queryChanges adds to those
// of its /query (RFC 8620 section 5.6).
type queryChangesArgs struct {
	SinceQueryState string `json:"sinceQueryState"`
	MaxChanges      *int   `json:"maxChanges"`
	UpToID          string `json:"upToId"`
}

// emailQueryChanges answers Email/queryChanges (RFC 8620 section 5.6)
// from the change log: every email changed since the old query state is
// reported removed, and those of them in the current results added at
// their index, which the RFC allows. Collapsed threads cannot be
// followed that way and get cannotCalculateChanges.
func (c *call) emailQueryChanges() (any, error) {
	var a struct {
		emailQueryArgs
		queryChangesArgs
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
	if a.MaxChanges != nil && *a.MaxChanges < 1 {
		return nil, invalidArgs("maxChanges must be positive")
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
	return queryDiff(a.AccountID, a.SinceQueryState, qr, strs(ch.Emails.Created),
		strs(ch.Emails.Updated), strs(ch.Emails.Destroyed), a.MaxChanges, a.CalculateTotal)
}

// queryDiff answers a /queryChanges (RFC 8620 section 5.6) from the whole
// current result and the objects created, updated and destroyed since
// the old query state: every updated or destroyed object is reported
// removed, and every created or updated one that is in the results now
// is added at its index, which the RFC allows in place of an exact
// difference.
func queryDiff(accountID, since string, qr *queryResult, created, updated,
	destroyed []string, maxChanges *int, total bool) (any, error) {
	removed := append(slices.Clone(updated), destroyed...)
	if removed == nil {
		removed = []string{}
	}
	isNew := map[string]bool{}
	for _, id := range append(slices.Clone(created), updated...) {
		isNew[id] = true
	}
	added := []addedItem{}
	for i, id := range qr.IDs {
		if isNew[id] {
			added = append(added, addedItem{id, i})
		}
	}
	if maxChanges != nil && len(removed)+len(added) > *maxChanges {
		return nil, methodErr(ErrTypeTooManyChanges, "")
	}
	out := map[string]any{"accountId": accountID, "oldQueryState": since,
		"newQueryState": qr.QueryState, "removed": removed, "added": added}
	if total {
		out["total"] = len(qr.IDs)
	}
	return out, nil
}

// mailboxQueryChanges answers Mailbox/queryChanges (RFC 8620 section
// 5.6, RFC 8621 section 2.4) from the change log, as queryDiff does.
func (c *call) mailboxQueryChanges() (any, error) {
	var a struct {
		mailboxQueryArgs
		queryChangesArgs
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if a.MaxChanges != nil && *a.MaxChanges < 1 {
		return nil, invalidArgs("maxChanges must be positive")
	}
	since, perr := strconv.ParseUint(a.SinceQueryState, 10, 64)
	if perr != nil {
		return nil, methodErr(ErrTypeCannotCalculate, "unknown query state")
	}
	ch, err := c.h.ms.ChangesOf(c.ctx, acct, mailstore.KindMailbox, since, 0)
	if errors.Is(err, mailstore.ErrChangesTrimmed) || errors.Is(err, mailstore.ErrTooManyChanges) {
		return nil, methodErr(ErrTypeCannotCalculate, "")
	}
	if err != nil {
		return nil, err
	}
	a.Position, a.Limit = 0, nil
	qr, err := c.mailboxQueryResult(acct, &a.mailboxQueryArgs)
	if err != nil {
		return nil, err
	}
	return queryDiff(a.AccountID, a.SinceQueryState, qr, strs(ch.Mailboxes.Created),
		strs(ch.Mailboxes.Updated), strs(ch.Mailboxes.Destroyed), a.MaxChanges,
		a.CalculateTotal)
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
