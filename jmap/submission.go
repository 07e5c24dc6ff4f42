package jmap

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

const typeSubmission = "EmailSubmission"

// submission is an EmailSubmission (RFC 8621 section 7).
type submission struct {
	ID         string    `json:"id"`
	IdentityID string    `json:"identityId"`
	EmailID    string    `json:"emailId"`
	ThreadID   string    `json:"threadId"`
	Envelope   *envelope `json:"envelope"`
	SendAt     string    `json:"sendAt"`
	UndoStatus string    `json:"undoStatus"`
	// DeliveryStatus is null: the queue reports no per-recipient status.
	DeliveryStatus map[string]any `json:"deliveryStatus"`
	DSNBlobIDs     []string       `json:"dsnBlobIds"`
	MDNBlobIDs     []string       `json:"mdnBlobIds"`
}

type envelope struct {
	MailFrom address   `json:"mailFrom"`
	RcptTo   []address `json:"rcptTo"`
}

type address struct {
	Email      string         `json:"email"`
	Parameters map[string]any `json:"parameters"`
}

func (c *call) submissionGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	raw, err := c.h.data.list(c.ctx, acct, typeSubmission)
	if err != nil {
		return nil, err
	}
	st, err := c.h.data.state(c.ctx, acct, typeSubmission)
	if err != nil {
		return nil, err
	}
	all := make(map[string]submission, len(raw))
	for id, b := range raw {
		var s submission
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		all[id] = s
	}
	return answerGet(a, st, all, sortedIDs(all), nil)
}

type submissionSetArgs struct {
	setArgs
	OnSuccessUpdateEmail  map[string]map[string]json.RawMessage `json:"onSuccessUpdateEmail"`
	OnSuccessDestroyEmail []string                              `json:"onSuccessDestroyEmail"`
}

// submissionSet answers EmailSubmission/set (RFC 8621 section 7.5):
// each created submission is handed to the Submitter; the implicit
// Email/set of onSuccessUpdateEmail and onSuccessDestroyEmail follows.
// Submissions are sent at once, so their undoStatus is final and an
// update asking to cancel gets cannotUnsend.
func (c *call) submissionSet() (any, error) {
	var a submissionSetArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	return c.answerSet(&a.setArgs, setSpec{typ: typeSubmission,
		ops: func(acct string) (setOps, error) {
			exists := func(id string) (bool, error) {
				var s submission
				return c.h.data.get(c.ctx, acct, typeSubmission, id, &s)
			}
			return setOps{
				create: func(_ string, raw json.RawMessage) (string, map[string]any, error) {
					s, err := c.submit(acct, raw)
					if err != nil {
						return "", nil, err
					}
					return s.ID, map[string]any{"threadId": s.ThreadID, "sendAt": s.SendAt,
						"undoStatus": s.UndoStatus}, nil
				},
				update: func(id string, patch map[string]json.RawMessage) error {
					if ok, err := exists(id); err != nil || !ok {
						return orSetErr(err, setErr(SetErrNotFound, ""))
					}
					if len(patch) == 1 && string(patch["undoStatus"]) == `"canceled"` {
						return setErr(SetErrCannotUnsend, "the submission is final")
					}
					return setErr(SetErrInvalidProps, "only undoStatus may change", "undoStatus")
				},
				destroy: func(id string) error {
					return c.h.data.put(c.ctx, acct, typeSubmission, id, nil)
				},
			}, nil
		},
		after: func(acct string, res *setResult) error { return c.onSuccess(acct, &a, res) },
	})
}

// onSuccess runs the implicit Email/set (RFC 8621 section 7.5).
func (c *call) onSuccess(acct string, a *submissionSetArgs, res *setResult) error {
	if a.OnSuccessUpdateEmail == nil && a.OnSuccessDestroyEmail == nil {
		return nil
	}
	es := &setArgs{AccountID: a.AccountID, Update: map[string]map[string]json.RawMessage{}}
	for ref, patch := range a.OnSuccessUpdateEmail {
		if id, ok := c.submittedEmail(acct, ref, res); ok {
			es.Update[id] = patch
		}
	}
	for _, ref := range a.OnSuccessDestroyEmail {
		if id, ok := c.submittedEmail(acct, ref, res); ok {
			es.Destroy = append(es.Destroy, id)
		}
	}
	out, err := c.applyEmailSet(acct, es)
	if err != nil {
		return err
	}
	c.implicit("Email/set", out)
	return nil
}

// submittedEmail maps "#creationId" of a submission created by this call
// (or a submission id) to its email id.
func (c *call) submittedEmail(acct, ref string, res *setResult) (string, bool) {
	cid, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return "", false
	}
	created, ok := res.Created[cid].(map[string]any)
	if !ok {
		return "", false
	}
	var s submission
	found, err := c.h.data.get(c.ctx, acct, typeSubmission, created["id"].(string), &s)
	return s.EmailID, found && err == nil
}

func (c *call) submit(acct string, raw json.RawMessage) (*submission, error) {
	var s submission
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, setErr(SetErrInvalidProps, err.Error())
	}
	eid, _ := c.resolveID(s.EmailID)
	e, err := c.h.ms.Email(c.ctx, acct, mailstore.EmailID(eid))
	if err != nil {
		return nil, setErr(SetErrInvalidProps, "no such email", "emailId")
	}
	idents, err := c.identities(acct)
	if err != nil {
		return nil, err
	}
	iid, _ := c.resolveID(s.IdentityID)
	ident, ok := idents[iid]
	if !ok {
		return nil, setErr(SetErrInvalidProps, "no such identity", "identityId")
	}
	if s.Envelope == nil {
		s.Envelope = envelopeOf(e, ident.Email)
	}
	if len(s.Envelope.RcptTo) == 0 {
		return nil, setErr(SetErrNoRecipients, "")
	}
	owns, err := c.h.opts.Directory.OwnsAddress(c.ctx, c.p.name, s.Envelope.MailFrom.Email)
	if err != nil || !owns {
		return nil, setErr(SetErrForbiddenFrom, "")
	}
	rcpts := make([]string, len(s.Envelope.RcptTo))
	for i, r := range s.Envelope.RcptTo {
		rcpts[i] = r.Email
	}
	rd, err := c.h.ms.Open(c.ctx, acct, e.ID, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	if err := c.h.opts.Submitter.Submit(c.ctx, s.Envelope.MailFrom.Email, rcpts, rd); err != nil {
		return nil, err
	}
	if s.ID, err = c.h.data.nextID(c.ctx, acct, typeSubmission, 's'); err != nil {
		return nil, err
	}
	s.IdentityID, s.EmailID, s.ThreadID = iid, string(e.ID), string(e.ThreadID)
	s.SendAt, s.UndoStatus = utcDate(time.Now()), "final"
	return &s, c.h.data.put(c.ctx, acct, typeSubmission, s.ID, s)
}

// envelopeOf builds the envelope from the identity and the To, Cc and
// Bcc of the email (RFC 8621 section 7).
func envelopeOf(e *mailstore.Email, from string) *envelope {
	env := &envelope{MailFrom: address{Email: from}}
	if e.Parsed == nil {
		return env
	}
	seen := map[string]bool{}
	m := e.Parsed
	for _, list := range [][]msgAddr{addrsOf(m.To), addrsOf(m.Cc), addrsOf(m.Bcc)} {
		for _, a := range list {
			if a != "" && !seen[strings.ToLower(a)] {
				seen[strings.ToLower(a)] = true
				env.RcptTo = append(env.RcptTo, address{Email: a})
			}
		}
	}
	return env
}
