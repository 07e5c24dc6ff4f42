package jmap

import (
	"encoding/json"
)

type sieveSetArgs struct {
	setArgs
	OnSuccessActivateScript   *string `json:"onSuccessActivateScript"`
	OnSuccessDeactivateScript bool    `json:"onSuccessDeactivateScript"`
}

// sieveSet answers SieveScript/set (RFC 9661 section 2.2).
func (c *call) sieveSet() (any, error) {
	var a sieveSetArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	nameOf := map[string]string{}
	return c.answerSet(&a.setArgs, setSpec{typ: typeSieveID,
		ops: func(acct string) (setOps, error) {
			all, err := c.sieveScripts(acct)
			if err != nil {
				return setOps{}, err
			}
			for _, s := range all {
				nameOf[s.ID] = s.Name
			}
			return c.sieveOps(acct, nameOf), nil
		},
		after: func(acct string, _ *setResult) error {
			return c.activateAfter(acct, &a, nameOf)
		},
	})
}

// sieveOps are the steps of SieveScript/set on the scripts named in
// nameOf by id, which they keep up to date.
func (c *call) sieveOps(acct string, nameOf map[string]string) setOps {
	return setOps{
		create: func(_ string, raw json.RawMessage) (string, map[string]any, error) {
			id, err := c.createScript(acct, raw)
			if err != nil {
				return "", nil, sieveSetError(err)
			}
			nameOf[id] = mustName(raw)
			return id, map[string]any{"isActive": false}, nil
		},
		update: func(id string, patch map[string]json.RawMessage) error {
			name, ok := nameOf[id]
			if !ok {
				return setErr(SetErrNotFound, "")
			}
			newName, err := c.updateScript(acct, id, name, patch)
			if err != nil {
				return sieveSetError(err)
			}
			nameOf[id] = newName
			return nil
		},
		destroy: func(id string) error {
			name, ok := nameOf[id]
			if !ok {
				return setErr(SetErrNotFound, "")
			}
			if err := c.h.opts.Sieve.Delete(c.ctx, acct, name); err != nil {
				return sieveSetError(err)
			}
			delete(nameOf, id)
			return c.h.data.put(c.ctx, acct, typeSieveID, id, nil)
		},
	}
}

func mustName(raw json.RawMessage) string {
	var s struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &s)
	return s.Name
}

func (c *call) createScript(acct string, raw json.RawMessage) (string, error) {
	var s struct {
		Name   string `json:"name"`
		BlobID string `json:"blobId"`
	}
	if err := json.Unmarshal(raw, &s); err != nil || s.Name == "" {
		return "", setErr(SetErrInvalidProps, "name and blobId required", "name")
	}
	for _, ex := range mustList(c, acct) {
		if ex == s.Name {
			return "", setErr(SetErrAlreadyExists, "")
		}
	}
	src, err := c.readScript(acct, s.BlobID)
	if err != nil {
		return "", err
	}
	if _, err := c.h.opts.Sieve.Put(c.ctx, acct, s.Name, src); err != nil {
		return "", err
	}
	id, err := c.h.data.nextID(c.ctx, acct, typeSieveID, 'S')
	if err != nil {
		return "", err
	}
	return id, c.h.data.put(c.ctx, acct, typeSieveID, id, s.Name)
}

func mustList(c *call, acct string) []string {
	infos, _ := c.h.opts.Sieve.List(c.ctx, acct)
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i] = in.Name
	}
	return out
}

func (c *call) updateScript(acct, id, name string,
	patch map[string]json.RawMessage) (string, error) {
	var p struct {
		Name   *string `json:"name"`
		BlobID *string `json:"blobId"`
	}
	b, _ := json.Marshal(patch)
	if err := json.Unmarshal(b, &p); err != nil {
		return "", setErr(SetErrInvalidPatch, err.Error())
	}
	if p.BlobID != nil {
		src, err := c.readScript(acct, *p.BlobID)
		if err != nil {
			return "", err
		}
		if _, err := c.h.opts.Sieve.Put(c.ctx, acct, name, src); err != nil {
			return "", err
		}
	}
	if p.Name != nil && *p.Name != name {
		if err := c.h.opts.Sieve.Rename(c.ctx, acct, name, *p.Name); err != nil {
			return "", err
		}
		name = *p.Name
		if err := c.h.data.put(c.ctx, acct, typeSieveID, id, name); err != nil {
			return "", err
		}
	}
	return name, nil
}

// activateAfter applies onSuccessActivateScript and
// onSuccessDeactivateScript (RFC 9661 section 2.2).
func (c *call) activateAfter(acct string, a *sieveSetArgs, nameOf map[string]string) error {
	if a.OnSuccessActivateScript != nil {
		id, _ := c.resolveID(*a.OnSuccessActivateScript)
		if name, ok := nameOf[id]; ok {
			return c.h.opts.Sieve.Activate(c.ctx, acct, name)
		}
		return nil
	}
	if a.OnSuccessDeactivateScript {
		return c.h.opts.Sieve.Activate(c.ctx, acct, "")
	}
	return nil
}
