package jmap

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// emailSet answers Email/set (RFC 8621 section 4.6).
func (c *call) emailSet() (any, error) {
	var a setArgs
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
	return c.applyEmailSet(acct, &a)
}

func (c *call) applyEmailSet(acct string, a *setArgs) (*setResult, error) {
	old, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	if a.IfInState != nil && *a.IfInState != old {
		return nil, methodErr(ErrTypeStateMismatch, "")
	}
	res := newSetResult(a.AccountID)
	res.OldState = old
	for cid, raw := range a.Create {
		obj, err := c.createEmail(acct, raw)
		if err != nil {
			if err := fail(res.NotCreated, cid, err); err != nil {
				return nil, err
			}
			continue
		}
		c.addCreated(cid, obj["id"].(string))
		res.Created[cid] = obj
	}
	for id, patch := range a.Update {
		rid, _ := c.resolveID(id)
		if err := c.updateEmail(acct, rid, patch); err != nil {
			if err := fail(res.NotUpdated, id, err); err != nil {
				return nil, err
			}
			continue
		}
		res.Updated[rid] = nil
	}
	for _, id := range a.Destroy {
		rid, _ := c.resolveID(id)
		if err := c.h.ms.DestroyEmail(c.ctx, acct, mailstore.EmailID(rid)); err != nil {
			if err := fail(res.NotDestroyed, id, err); err != nil {
				return nil, err
			}
			continue
		}
		res.Destroyed = append(res.Destroyed, rid)
	}
	if res.NewState, err = c.currentState(acct); err != nil {
		return nil, err
	}
	return res, nil
}

// applyPatch applies the patch entries for a set-valued property (a map
// of id or keyword to true) to cur: the whole property, or "prop/key"
// paths (RFC 8620 section 5.3 PatchObject).
func applyPatch(cur []string, prop string, patch map[string]json.RawMessage,
	mapKey func(string) (string, bool)) ([]string, bool, *SetError) {
	set := map[string]bool{}
	for _, k := range cur {
		set[k] = true
	}
	changed := false
	if whole, ok := patch[prop]; ok {
		var m map[string]bool
		if err := json.Unmarshal(whole, &m); err != nil {
			return nil, false, setErr(SetErrInvalidProps, prop, prop)
		}
		set, changed = map[string]bool{}, true
		for k, v := range m {
			key, ok := mapKey(k)
			if !v || !ok {
				return nil, false, setErr(SetErrInvalidProps, prop, prop)
			}
			set[key] = true
		}
	}
	for path, v := range patch {
		key, ok := strings.CutPrefix(path, prop+"/")
		if !ok {
			continue
		}
		if changed && patch[prop] != nil {
			return nil, false, setErr(SetErrInvalidPatch, "path overlaps "+prop)
		}
		k, ok := mapKey(strings.ReplaceAll(strings.ReplaceAll(key, "~1", "/"), "~0", "~"))
		if !ok {
			return nil, false, setErr(SetErrInvalidPatch, path)
		}
		switch strings.TrimSpace(string(v)) {
		case "true":
			set[k] = true
		case "null", "false":
			delete(set, k)
		default:
			return nil, false, setErr(SetErrInvalidPatch, path)
		}
		changed = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, changed, nil
}

func (c *call) updateEmail(acct, id string, patch map[string]json.RawMessage) error {
	for k := range patch {
		if k != "keywords" && k != "mailboxIds" &&
			!strings.HasPrefix(k, "keywords/") && !strings.HasPrefix(k, "mailboxIds/") {
			return setErr(SetErrInvalidPatch, "cannot change "+k, k)
		}
	}
	e, err := c.h.ms.Email(c.ctx, acct, mailstore.EmailID(id))
	if err != nil {
		return err
	}
	kws, kwChanged, serr := applyPatch(e.Keywords, "keywords", patch, keywordKey)
	if serr != nil {
		return serr
	}
	var mbs []string
	for m := range e.Mailboxes {
		mbs = append(mbs, string(m))
	}
	mbs, mbChanged, serr := applyPatch(mbs, "mailboxIds", patch, c.resolveID)
	if serr != nil {
		return serr
	}
	if kwChanged {
		err := c.h.ms.SetEmailKeywords(c.ctx, acct, e.ID, mailstore.FlagsReplace, kws)
		if err != nil {
			return err
		}
	}
	if mbChanged {
		if len(mbs) == 0 {
			return setErr(SetErrInvalidProps, "an email must be in a mailbox", "mailboxIds")
		}
		ids := make([]mailstore.MailboxID, len(mbs))
		for i, m := range mbs {
			ids[i] = mailstore.MailboxID(m)
		}
		return c.h.ms.SetEmailMailboxes(c.ctx, acct, e.ID, ids)
	}
	return nil
}

func keywordKey(k string) (string, bool) {
	n, err := mailstore.NormalizeKeyword(k)
	return n, err == nil
}

type emailImport struct {
	BlobID     string          `json:"blobId"`
	MailboxIDs map[string]bool `json:"mailboxIds"`
	Keywords   map[string]bool `json:"keywords"`
	ReceivedAt *time.Time      `json:"receivedAt"`
}

// emailImport answers Email/import (RFC 8621 section 4.8). Without
// receivedAt the time of the most recent Received header is taken, else
// now.
func (c *call) emailImport() (any, error) {
	var a struct {
		AccountID string                 `json:"accountId"`
		IfInState *string                `json:"ifInState"`
		Emails    map[string]emailImport `json:"emails"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSetLimit(len(a.Emails)); err != nil {
		return nil, err
	}
	old, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	if a.IfInState != nil && *a.IfInState != old {
		return nil, methodErr(ErrTypeStateMismatch, "")
	}
	created, notCreated := map[string]any{}, map[string]*SetError{}
	for cid, im := range a.Emails {
		obj, err := c.importOne(acct, im)
		if err != nil {
			if err := fail(notCreated, cid, err); err != nil {
				return nil, err
			}
			continue
		}
		c.addCreated(cid, obj["id"].(string))
		created[cid] = obj
	}
	st, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	return map[string]any{"accountId": a.AccountID, "oldState": old, "newState": st,
		"created": created, "notCreated": notCreated}, nil
}

func (c *call) importOne(acct string, im emailImport) (map[string]any, error) {
	h, _, _, ok := parseBlobID(im.BlobID)
	if !ok || strings.HasPrefix(im.BlobID, "P") {
		return nil, setErr(SetErrBlobNotFound, "", "blobId")
	}
	if ok, err := c.h.mayReadBlob(c.ctx, acct, h); err != nil || !ok {
		return nil, orSetErr(err, setErr(SetErrBlobNotFound, "", "blobId"))
	}
	var mbs []mailstore.MailboxID
	for m, on := range im.MailboxIDs {
		rid, ok := c.resolveID(m)
		if !on || !ok {
			return nil, setErr(SetErrInvalidProps, "mailboxIds", "mailboxIds")
		}
		mbs = append(mbs, mailstore.MailboxID(rid))
	}
	var kws []string
	for k, on := range im.Keywords {
		if on {
			kws = append(kws, k)
		}
	}
	var received time.Time
	if im.ReceivedAt != nil {
		received = *im.ReceivedAt
	}
	e, err := c.h.ms.Import(c.ctx, acct, h, mbs, kws, received)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": string(e.ID), "blobId": blobIDOf(e.Blob),
		"threadId": string(e.ThreadID), "size": e.Size}, nil
}

func orSetErr(err error, se *SetError) error {
	if err != nil {
		return err
	}
	return se
}
