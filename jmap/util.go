package jmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

func jsonUnmarshal(b json.RawMessage, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// utcDate formats a time as a JMAP UTCDate (RFC 8620 section 1.4).
func utcDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// setErrorOf maps a mailstore error to a SetError, or nil when it is a
// server fault.
func setErrorOf(err error) *SetError {
	switch {
	case errors.Is(err, mailstore.ErrNotFound), errors.Is(err, errNoObject):
		return setErr(SetErrNotFound, "")
	case errors.Is(err, mailstore.ErrOverQuota):
		return setErr(SetErrOverQuota, "")
	case errors.Is(err, mailstore.ErrExists):
		return setErr(SetErrAlreadyExists, "")
	case errors.Is(err, mailstore.ErrHasChildren):
		return setErr(SetErrMailboxHasChild, "")
	case errors.Is(err, mailstore.ErrForbidden):
		return setErr(SetErrForbidden, "")
	case errors.Is(err, mailstore.ErrInvalidName):
		return setErr(SetErrInvalidProps, "invalid name", "name")
	case errors.Is(err, mailstore.ErrInvalidKeyword):
		return setErr(SetErrInvalidProps, "invalid keyword", "keywords")
	}
	return nil
}

// setResult is the answer of a /set (RFC 8620 section 5.3).
type setResult struct {
	AccountID    string               `json:"accountId"`
	OldState     string               `json:"oldState,omitempty"`
	NewState     string               `json:"newState"`
	Created      map[string]any       `json:"created"`
	Updated      map[string]any       `json:"updated"`
	Destroyed    []string             `json:"destroyed"`
	NotCreated   map[string]*SetError `json:"notCreated"`
	NotUpdated   map[string]*SetError `json:"notUpdated"`
	NotDestroyed map[string]*SetError `json:"notDestroyed"`
}

func newSetResult(acct string) *setResult {
	return &setResult{AccountID: acct, Created: map[string]any{}, Updated: map[string]any{},
		Destroyed: []string{}, NotCreated: map[string]*SetError{},
		NotUpdated: map[string]*SetError{}, NotDestroyed: map[string]*SetError{}}
}

// setArgs are the arguments common to every /set.
type setArgs struct {
	AccountID string                                `json:"accountId"`
	IfInState *string                               `json:"ifInState"`
	Create    map[string]json.RawMessage            `json:"create"`
	Update    map[string]map[string]json.RawMessage `json:"update"`
	Destroy   []string                              `json:"destroy"`
}

func (c *call) checkSet(a *setArgs) error {
	return c.checkSetLimit(len(a.Create) + len(a.Update) + len(a.Destroy))
}

// fail records err for one object or returns it when it is a server
// fault.
func fail(m map[string]*SetError, id string, err error) error {
	var se *SetError
	if errors.As(err, &se) {
		m[id] = se
		return nil
	}
	if se := setErrorOf(err); se != nil {
		m[id] = se
		return nil
	}
	return err
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

type msgAddr = string

func addrsOf(list []msgparse.Address) []msgAddr {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a.Kind == msgparse.KindMailbox && a.Host != "" {
			out = append(out, a.Addr())
		}
	}
	return out
}

// setOps are the per-object steps of a /set. create returns the
// created object's id and the properties the server set.
type setOps struct {
	order   []string // creation ids in order; nil = any order
	create  func(cid string, raw json.RawMessage) (string, map[string]any, error)
	update  func(id string, patch map[string]json.RawMessage) error
	destroy func(id string) error
}

// applySet runs the creates, updates and destroys of a /set in that
// order (RFC 8620 section 5.3), recording per-object failures in res and
// returning server faults.
func (c *call) applySet(a *setArgs, res *setResult, ops setOps) error {
	order := ops.order
	if order == nil {
		for cid := range a.Create {
			order = append(order, cid)
		}
	}
	for _, cid := range order {
		id, props, err := ops.create(cid, a.Create[cid])
		if err != nil {
			if err := fail(res.NotCreated, cid, err); err != nil {
				return err
			}
			continue
		}
		c.addCreated(cid, id)
		if props == nil {
			props = map[string]any{}
		}
		props["id"] = id
		res.Created[cid] = props
	}
	for id, patch := range a.Update {
		if err := ops.update(id, patch); err != nil {
			if err := fail(res.NotUpdated, id, err); err != nil {
				return err
			}
			continue
		}
		res.Updated[id] = nil
	}
	for _, id := range a.Destroy {
		if err := ops.destroy(id); err != nil {
			if err := fail(res.NotDestroyed, id, err); err != nil {
				return err
			}
			continue
		}
		res.Destroyed = append(res.Destroyed, id)
	}
	return nil
}
