package jmap

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

type mailboxCreate struct {
	Name         string  `json:"name"`
	ParentID     *string `json:"parentId"`
	Role         *string `json:"role"`
	SortOrder    *uint32 `json:"sortOrder"`
	IsSubscribed *bool   `json:"isSubscribed"`
}

// mailboxSet answers Mailbox/set (RFC 8621 section 2.5).
func (c *call) mailboxSet() (any, error) {
	var a setArgs
	var extra struct {
		OnDestroyRemoveEmails bool `json:"onDestroyRemoveEmails"`
	}
	if v, ok := c.args["onDestroyRemoveEmails"]; ok {
		if err := json.Unmarshal(v, &extra.OnDestroyRemoveEmails); err != nil {
			return nil, invalidArgs("onDestroyRemoveEmails")
		}
		delete(c.args, "onDestroyRemoveEmails")
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSet(&a); err != nil {
		return nil, err
	}
	old, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	if a.IfInState != nil && *a.IfInState != old {
		return nil, methodErr(ErrTypeStateMismatch, "")
	}
	res := newSetResult(a.AccountID)
	res.OldState = old
	err = c.applySet(&a, res, setOps{
		order: createOrder(a.Create),
		create: func(_ string, raw json.RawMessage) (string, map[string]any, error) {
			id, err := c.createMailbox(acct, raw)
			return id, map[string]any{"totalEmails": 0, "unreadEmails": 0,
				"totalThreads": 0, "unreadThreads": 0}, err
		},
		update: func(id string, patch map[string]json.RawMessage) error {
			return c.updateMailbox(acct, id, patch)
		},
		destroy: func(id string) error {
			rid, _ := c.resolveID(id)
			return c.destroyMailbox(acct, rid, extra.OnDestroyRemoveEmails)
		},
	})
	if err != nil {
		return nil, err
	}
	if res.NewState, err = c.currentState(acct); err != nil {
		return nil, err
	}
	return res, nil
}

func (c *call) parentName(acct string, parentID *string) (string, error) {
	if parentID == nil {
		return "", nil
	}
	pid, ok := c.resolveID(*parentID)
	if !ok {
		return "", setErr(SetErrInvalidProps, "unknown parent", "parentId")
	}
	p, err := c.h.ms.Mailbox(c.ctx, acct, mailstore.MailboxID(pid))
	if errors.Is(err, mailstore.ErrNotFound) {
		return "", setErr(SetErrInvalidProps, "unknown parent", "parentId")
	}
	if err != nil {
		return "", err
	}
	return p.Name + string(mailstore.Delimiter), nil
}

func (c *call) createMailbox(acct string, raw json.RawMessage) (string, error) {
	var m mailboxCreate
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", setErr(SetErrInvalidProps, err.Error())
	}
	if m.Name == "" || strings.ContainsRune(m.Name, mailstore.Delimiter) {
		return "", setErr(SetErrInvalidProps, "invalid name", "name")
	}
	prefix, err := c.parentName(acct, m.ParentID)
	if err != nil {
		return "", err
	}
	role := ""
	if m.Role != nil {
		role = *m.Role
	}
	mb, err := c.h.ms.CreateMailbox(c.ctx, acct, prefix+m.Name, role)
	if err != nil {
		return "", err
	}
	if m.SortOrder != nil {
		err = c.h.ms.UpdateMailbox(c.ctx, acct, mb.ID,
			mailstore.MailboxPatch{SortOrder: m.SortOrder})
	}
	if err == nil && m.IsSubscribed != nil && *m.IsSubscribed {
		err = c.h.ms.SetSubscribed(c.ctx, acct, mb.ID, true)
	}
	return string(mb.ID), err
}

func (c *call) updateMailbox(acct, id string, patch map[string]json.RawMessage) error {
	mid := mailstore.MailboxID(id)
	cur, err := c.h.ms.Mailbox(c.ctx, acct, mid)
	if err != nil {
		return err
	}
	var p mailboxCreate
	b, _ := json.Marshal(patch)
	if err := json.Unmarshal(b, &p); err != nil {
		return setErr(SetErrInvalidPatch, err.Error())
	}
	for k := range patch {
		switch k {
		case "name", "parentId", "role", "sortOrder", "isSubscribed":
		default:
			return setErr(SetErrInvalidProps, "cannot set "+k, k)
		}
	}
	_, hasName := patch["name"]
	_, hasParent := patch["parentId"]
	if hasName || hasParent {
		name := leafName(cur.Name)
		if hasName {
			name = p.Name
		}
		parent := (*string)(nil)
		if hasParent {
			parent = p.ParentID
		} else if cur.ParentID != "" {
			s := string(cur.ParentID)
			parent = &s
		}
		prefix, err := c.parentName(acct, parent)
		if err != nil {
			return err
		}
		if err := c.h.ms.RenameMailbox(c.ctx, acct, mid, prefix+name); err != nil {
			return err
		}
	}
	var mp mailstore.MailboxPatch
	if _, ok := patch["role"]; ok {
		r := ""
		if p.Role != nil {
			r = *p.Role
		}
		mp.Role = &r
	}
	mp.SortOrder = p.SortOrder
	if mp.Role != nil || mp.SortOrder != nil {
		if err := c.h.ms.UpdateMailbox(c.ctx, acct, mid, mp); err != nil {
			return err
		}
	}
	if p.IsSubscribed != nil {
		return c.h.ms.SetSubscribed(c.ctx, acct, mid, *p.IsSubscribed)
	}
	return nil
}

func (c *call) destroyMailbox(acct, id string, removeEmails bool) error {
	mid := mailstore.MailboxID(id)
	mb, err := c.h.ms.Mailbox(c.ctx, acct, mid)
	if err != nil {
		return err
	}
	if mb.Total > 0 && !removeEmails {
		return setErr(SetErrMailboxHasEmail, "")
	}
	return c.h.ms.DeleteMailbox(c.ctx, acct, mid)
}

// createOrder sorts creation ids so that a mailbox whose parentId is
// "#creationId" comes after that parent.
func createOrder(create map[string]json.RawMessage) []string {
	parent := map[string]string{}
	for cid, raw := range create {
		var m struct {
			ParentID *string `json:"parentId"`
		}
		if json.Unmarshal(raw, &m) == nil && m.ParentID != nil {
			if p, ok := strings.CutPrefix(*m.ParentID, "#"); ok {
				parent[cid] = p
			}
		}
	}
	depth := func(cid string) int {
		n := 0
		for p, ok := parent[cid]; ok && n <= len(create); p, ok = parent[p] {
			n++
		}
		return n
	}
	out := make([]string, 0, len(create))
	for cid := range create {
		out = append(out, cid)
	}
	slices.SortFunc(out, func(x, y string) int {
		if d := depth(x) - depth(y); d != 0 {
			return d
		}
		return strings.Compare(x, y)
	})
	return out
}
