package jmap

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// emailCopyArgs are the arguments of Email/copy (RFC 8620 section 5.4,
// RFC 8621 section 4.7).
type emailCopyArgs struct {
	FromAccountID            string                     `json:"fromAccountId"`
	IfFromInState            *string                    `json:"ifFromInState"`
	AccountID                string                     `json:"accountId"`
	IfInState                *string                    `json:"ifInState"`
	Create                   map[string]json.RawMessage `json:"create"`
	OnSuccessDestroyOriginal bool                       `json:"onSuccessDestroyOriginal"`
	DestroyFromIfInState     *string                    `json:"destroyFromIfInState"`
}

// emailCopyItem is one email to copy: the id in the source account and
// the properties that may be set on the copy (RFC 8621 section 4.7).
type emailCopyItem struct {
	ID         string          `json:"id"`
	MailboxIDs map[string]bool `json:"mailboxIds"`
	Keywords   map[string]bool `json:"keywords"`
	ReceivedAt *time.Time      `json:"receivedAt"`
}

// emailCopy answers Email/copy (RFC 8621 section 4.7): emails of one
// account the user may use are created in another, from the same raw
// message, with the mailboxIds given and the keywords and receivedAt of
// the original unless given. With onSuccessDestroyOriginal the originals
// copied are destroyed by an implicit Email/set on the source account.
func (c *call) emailCopy() (any, error) {
	var a emailCopyArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	from, err := c.account(a.FromAccountID)
	if err != nil {
		var me *MethodError
		if errors.As(err, &me) && me.Type == ErrTypeAccountNotFound {
			return nil, methodErr(ErrTypeFromAccountNotFound, "")
		}
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if from == acct {
		return nil, invalidArgs("fromAccountId must differ from accountId")
	}
	if err := c.checkSetLimit(len(a.Create)); err != nil {
		return nil, err
	}
	if a.IfFromInState != nil {
		fromState, err := c.currentState(from)
		if err != nil {
			return nil, err
		}
		if *a.IfFromInState != fromState {
			return nil, methodErr(ErrTypeStateMismatch, "fromAccountId is not in ifFromInState")
		}
	}
	old, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	if a.IfInState != nil && *a.IfInState != old {
		return nil, methodErr(ErrTypeStateMismatch, "")
	}
	created, notCreated := map[string]any{}, map[string]*SetError{}
	var originals []string
	for _, cid := range sortedIDs(a.Create) {
		obj, orig, err := c.copyEmail(from, acct, a.Create[cid])
		if err != nil {
			if err := fail(notCreated, cid, err); err != nil {
				return nil, err
			}
			continue
		}
		c.addCreated(cid, obj["id"].(string))
		created[cid] = obj
		originals = append(originals, orig)
	}
	st, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	if a.OnSuccessDestroyOriginal && len(originals) > 0 {
		if err := c.destroyOriginals(from, &a, originals); err != nil {
			return nil, err
		}
	}
	return map[string]any{"fromAccountId": a.FromAccountID, "accountId": a.AccountID,
		"oldState": old, "newState": st, "created": created, "notCreated": notCreated}, nil
}

// copyEmail creates one copy and returns its server-set properties and
// the id of the original.
func (c *call) copyEmail(from, acct string, raw json.RawMessage) (map[string]any, string,
	error) {
	var it emailCopyItem
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&it); err != nil {
		return nil, "", setErr(SetErrInvalidProps,
			"only id, mailboxIds, keywords and receivedAt may be given")
	}
	if it.ID == "" {
		return nil, "", setErr(SetErrInvalidProps, "id is required", "id")
	}
	orig, err := c.h.ms.Email(c.ctx, from, mailstore.EmailID(it.ID))
	if errors.Is(err, mailstore.ErrNotFound) {
		return nil, "", setErr(SetErrNotFound, "no such email in fromAccountId", "id")
	}
	if err != nil {
		return nil, "", err
	}
	var mbs []mailstore.MailboxID
	for m, on := range it.MailboxIDs {
		rid, ok := c.resolveID(m)
		if !on || !ok {
			return nil, "", setErr(SetErrInvalidProps, "mailboxIds", "mailboxIds")
		}
		mbs = append(mbs, mailstore.MailboxID(rid))
	}
	if len(mbs) == 0 {
		return nil, "", setErr(SetErrInvalidProps, "an email must be in a mailbox",
			"mailboxIds")
	}
	kws := orig.Keywords
	if it.Keywords != nil {
		kws = nil
		for k, on := range it.Keywords {
			if !on {
				return nil, "", setErr(SetErrInvalidProps, "keywords", "keywords")
			}
			kws = append(kws, k)
		}
	}
	received := orig.Received
	if it.ReceivedAt != nil {
		received = *it.ReceivedAt
	}
	e, err := c.h.ms.Import(c.ctx, acct, orig.Blob, mbs, kws, received)
	if errors.Is(err, mailstore.ErrNotFound) {
		return nil, "", setErr(SetErrInvalidProps, "no such mailbox", "mailboxIds")
	}
	if err != nil {
		return nil, "", err
	}
	return map[string]any{"id": string(e.ID), "blobId": blobIDOf(e.Blob),
		"threadId": string(e.ThreadID), "size": e.Size}, string(orig.ID), nil
}

// destroyOriginals runs the implicit Email/set of onSuccessDestroyOriginal
// on the source account (RFC 8620 section 5.4), whose answer, or error,
// follows the Email/copy response.
func (c *call) destroyOriginals(from string, a *emailCopyArgs, ids []string) error {
	es := &setArgs{AccountID: a.FromAccountID, IfInState: a.DestroyFromIfInState,
		Destroy: ids}
	out, err := c.applyEmailSet(from, es)
	var me *MethodError
	switch {
	case errors.As(err, &me):
		c.implicit("error", me)
		return nil
	case err != nil:
		return err
	}
	c.implicit("Email/set", out)
	return nil
}
