package jmap

import (
	"encoding/json"
)

const typeIdentity = "Identity"

// identity is an Identity (RFC 8621 section 6).
type identity struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Email         string          `json:"email"`
	ReplyTo       json.RawMessage `json:"replyTo"`
	Bcc           json.RawMessage `json:"bcc"`
	TextSignature string          `json:"textSignature"`
	HTMLSignature string          `json:"htmlSignature"`
	MayDelete     bool            `json:"mayDelete"`
}

// identities returns the account's identities, creating one for each
// address of the principal on first use.
func (c *call) identities(acct string) (map[string]identity, error) {
	// One request at a time creates the first identities.
	c.h.identMu.Lock()
	defer c.h.identMu.Unlock()
	raw, err := c.h.data.list(c.ctx, acct, typeIdentity)
	if err != nil {
		return nil, err
	}
	out := map[string]identity{}
	for id, b := range raw {
		var ident identity
		if err := json.Unmarshal(b, &ident); err == nil {
			out[id] = ident
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	emails := c.p.emails
	if len(emails) == 0 {
		emails = []string{c.p.name}
	}
	for _, e := range emails {
		id, err := c.h.data.nextID(c.ctx, acct, typeIdentity, 'i')
		if err != nil {
			return nil, err
		}
		ident := identity{ID: id, Name: c.p.display, Email: e,
			ReplyTo: json.RawMessage("null"), Bcc: json.RawMessage("null")}
		if err := c.h.data.put(c.ctx, acct, typeIdentity, id, ident); err != nil {
			return nil, err
		}
		out[id] = ident
	}
	return out, nil
}

func (c *call) identityGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	all, err := c.identities(acct)
	if err != nil {
		return nil, err
	}
	st, err := c.h.data.state(c.ctx, acct, typeIdentity)
	if err != nil {
		return nil, err
	}
	return answerGet(a, st, all, sortedIDs(all), nil)
}

// identitySet answers Identity/set (RFC 8621 section 6.3): the email of
// a new identity must be one the principal owns; email and the
// server-set properties cannot be changed, and an identity with
// mayDelete false cannot be destroyed.
func (c *call) identitySet() (any, error) {
	var a setArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	return c.answerSet(&a, setSpec{typ: typeIdentity, ops: func(acct string) (setOps, error) {
		all, err := c.identities(acct)
		if err != nil {
			return setOps{}, err
		}
		return setOps{
			create: func(_ string, raw json.RawMessage) (string, map[string]any, error) {
				return c.createIdentity(acct, raw)
			},
			update: func(id string, patch map[string]json.RawMessage) error {
				ident, ok := all[id]
				if !ok {
					return setErr(SetErrNotFound, "")
				}
				for _, p := range []string{"id", "email", "mayDelete"} {
					if _, bad := patch[p]; bad {
						return setErr(SetErrInvalidProps, p+" cannot be changed", p)
					}
				}
				b, _ := json.Marshal(patch)
				if err := json.Unmarshal(b, &ident); err != nil {
					return setErr(SetErrInvalidPatch, err.Error())
				}
				ident.ID = id
				return c.h.data.put(c.ctx, acct, typeIdentity, id, ident)
			},
			destroy: func(id string) error {
				ident, ok := all[id]
				if !ok {
					return setErr(SetErrNotFound, "")
				}
				if !ident.MayDelete {
					return setErr(SetErrForbidden, "this identity cannot be deleted")
				}
				return c.h.data.put(c.ctx, acct, typeIdentity, id, nil)
			},
		}, nil
	}})
}

func (c *call) createIdentity(acct string, raw json.RawMessage) (string, map[string]any,
	error) {
	ident := identity{ReplyTo: json.RawMessage("null"), Bcc: json.RawMessage("null")}
	if err := json.Unmarshal(raw, &ident); err != nil || ident.Email == "" {
		return "", nil, setErr(SetErrInvalidProps, "email", "email")
	}
	ok, err := c.h.opts.Directory.OwnsAddress(c.ctx, c.p.name, ident.Email)
	if err != nil || !ok {
		return "", nil, setErr(SetErrForbiddenFrom, "")
	}
	if ident.ID, err = c.h.data.nextID(c.ctx, acct, typeIdentity, 'i'); err != nil {
		return "", nil, err
	}
	ident.MayDelete = true
	if err := c.h.data.put(c.ctx, acct, typeIdentity, ident.ID, ident); err != nil {
		return "", nil, err
	}
	return ident.ID, map[string]any{"mayDelete": true}, nil
}
