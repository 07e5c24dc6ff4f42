package jmap

import (
	"errors"
	"strconv"

	"github.com/bulwarkmail/bulwark/mailstore"
)

type changesArgs struct {
	AccountID  string `json:"accountId"`
	SinceState string `json:"sinceState"`
	MaxChanges *int   `json:"maxChanges"`
}

type changesResult struct {
	AccountID         string   `json:"accountId"`
	OldState          string   `json:"oldState"`
	NewState          string   `json:"newState"`
	HasMoreChanges    bool     `json:"hasMoreChanges"`
	Created           []string `json:"created"`
	Updated           []string `json:"updated"`
	Destroyed         []string `json:"destroyed"`
	UpdatedProperties []string `json:"updatedProperties,omitempty"`
}

func state(q uint64) string { return strconv.FormatUint(q, 10) }

// changes answers Foo/changes from mailstore's change log (RFC 8620
// section 5.2): states are MODSEQs.
func (c *call) changes(kind mailstore.Kind) (*changesResult, mailstore.Changes, error) {
	var a changesArgs
	if err := c.decode(&a); err != nil {
		return nil, mailstore.Changes{}, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, mailstore.Changes{}, err
	}
	max := 0
	if a.MaxChanges != nil {
		if *a.MaxChanges < 1 {
			return nil, mailstore.Changes{}, invalidArgs("maxChanges must be positive")
		}
		max = *a.MaxChanges
	}
	since, perr := strconv.ParseUint(a.SinceState, 10, 64)
	if perr != nil {
		return nil, mailstore.Changes{}, methodErr(ErrTypeCannotCalculate, "unknown state")
	}
	ch, err := c.h.ms.ChangesOf(c.ctx, acct, kind, since, max)
	switch {
	case errors.Is(err, mailstore.ErrChangesTrimmed):
		return nil, ch, methodErr(ErrTypeCannotCalculate, "state too old or unknown")
	case errors.Is(err, mailstore.ErrTooManyChanges):
		return nil, ch, methodErr(ErrTypeCannotCalculate, "too many changes for maxChanges")
	case err != nil:
		return nil, ch, err
	}
	res := &changesResult{AccountID: a.AccountID, OldState: a.SinceState,
		NewState: state(ch.NewState), HasMoreChanges: ch.HasMore}
	return res, ch, nil
}

func strs[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func (c *call) mailboxChanges() (any, error) {
	res, ch, err := c.changes(mailstore.KindMailbox)
	if err != nil {
		return nil, err
	}
	res.Created, res.Updated = strs(ch.Mailboxes.Created), strs(ch.Mailboxes.Updated)
	res.Destroyed = strs(ch.Mailboxes.Destroyed)
	countsOnly := ch.MailboxCountsOnly || len(res.Updated) == 0
	// Thread counts also move when an email of a thread changes in
	// another mailbox.
	acct, _ := accountName(res.AccountID)
	extra, err := c.threadCountMailboxes(acct, ch.Since)
	if err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	for _, l := range [][]string{res.Created, res.Updated, res.Destroyed} {
		for _, id := range l {
			listed[id] = true
		}
	}
	for _, m := range extra {
		if !listed[string(m)] {
			res.Updated = append(res.Updated, string(m))
			listed[string(m)] = true
		}
	}
	var a changesArgs
	_ = c.decode(&a)
	if a.MaxChanges != nil && len(listed) > *a.MaxChanges {
		return nil, methodErr(ErrTypeCannotCalculate,
			"thread counts changed in more mailboxes than maxChanges")
	}
	if countsOnly && len(res.Updated) > 0 {
		res.UpdatedProperties = []string{"totalEmails", "unreadEmails",
			"totalThreads", "unreadThreads"}
	}
	return res, nil
}

func (c *call) emailChanges() (any, error) {
	res, ch, err := c.changes(mailstore.KindEmail)
	if err != nil {
		return nil, err
	}
	res.Created, res.Updated = strs(ch.Emails.Created), strs(ch.Emails.Updated)
	res.Destroyed = strs(ch.Emails.Destroyed)
	return res, nil
}

func (c *call) threadChanges() (any, error) {
	res, ch, err := c.changes(mailstore.KindThread)
	if err != nil {
		return nil, err
	}
	res.Created, res.Updated = strs(ch.Threads.Created), strs(ch.Threads.Updated)
	res.Destroyed = strs(ch.Threads.Destroyed)
	return res, nil
}

// currentState returns the account's state for mail types.
func (c *call) currentState(acct string) (string, error) {
	q, err := c.h.ms.HighestModSeq(c.ctx, acct)
	return state(q), err
}

// dataChanges answers /changes for the handler's own types from their
// change log (RFC 8620 section 5.2): states are the type's counter, and
// a state the log no longer reaches gets cannotCalculateChanges.
func (c *call) dataChanges(typ string) (any, error) {
	var a changesArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	max := 0
	if a.MaxChanges != nil {
		if *a.MaxChanges < 1 {
			return nil, invalidArgs("maxChanges must be positive")
		}
		max = *a.MaxChanges
	}
	since, perr := strconv.ParseUint(a.SinceState, 10, 64)
	if perr != nil {
		return nil, methodErr(ErrTypeCannotCalculate, "unknown state")
	}
	lc, err := c.h.data.changesSince(c.ctx, acct, typ, since, max)
	if errors.Is(err, errLogGone) {
		return nil, methodErr(ErrTypeCannotCalculate, "state too old or unknown")
	}
	if err != nil {
		return nil, err
	}
	orEmpty := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return &changesResult{AccountID: a.AccountID, OldState: a.SinceState,
		NewState: state(lc.newState), HasMoreChanges: lc.hasMore,
		Created: orEmpty(lc.created), Updated: orEmpty(lc.updated),
		Destroyed: orEmpty(lc.destroyed)}, nil
}
