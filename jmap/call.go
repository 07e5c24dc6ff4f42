package jmap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// method is one JMAP method: the capability the client must use to call
// it and its implementation.
type method struct {
	capability string
	fn         func(c *call) (any, error)
}

// call is one method call being processed.
type call struct {
	ctx     context.Context
	h       *Handler
	p       *principal
	using   map[string]bool
	created map[string]string // creation id -> id, across the request
	name    string
	id      string
	args    map[string]json.RawMessage
	extra   []Invocation // implicit responses that follow this one
}

func (c *call) safeRun(fn func(*call) (any, error)) (res any, err error) {
	defer func() {
		if v := recover(); v != nil {
			c.h.opts.Logger.Error("jmap method panic", "method", c.name, "panic", v)
			res, err = nil, methodErr(ErrTypeServerFail, "")
		}
	}()
	return fn(c)
}

// decode reads the arguments into v, refusing unknown ones with
// invalidArguments (RFC 8620 section 3.6.2).
func (c *call) decode(v any) error {
	b, err := json.Marshal(c.args)
	if err != nil {
		return invalidArgs(err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidArgs(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// account checks an accountId argument: the principal's own account, or
// an account shared with it for the methods of mail data
// (accountNotSupportedByMethod for the others, RFC 8620 section 3.6.2).
func (c *call) account(id string) (string, error) {
	name, ok := accountName(id)
	switch {
	case !ok || !c.p.mayUse(name):
		return "", methodErr(ErrTypeAccountNotFound, "")
	case name != c.p.name && !sharedMethod(c.name, c.h.methods[c.name].capability):
		return "", methodErr(ErrTypeAccountNotSupported, "")
	}
	return name, nil
}

// resolveID maps a "#creationId" to the id created earlier in the
// request (RFC 8620 section 5.3).
func (c *call) resolveID(id string) (string, bool) {
	if cid, ok := strings.CutPrefix(id, "#"); ok {
		v, ok := c.created[cid]
		return v, ok
	}
	return id, true
}

// addCreated records a creation id for later calls and the response.
func (c *call) addCreated(cid, id string) {
	c.created[cid] = id
}

// implicit adds a response after this call's own, as
// EmailSubmission/set does with onSuccessUpdateEmail.
func (c *call) implicit(name string, result any) {
	b, err := json.Marshal(result)
	if err != nil {
		return
	}
	c.extra = append(c.extra, Invocation{Name: name, Args: b, CallID: c.id})
}

func (c *call) checkGetLimit(n int) error {
	if n > c.h.opts.MaxObjectsInGet {
		return methodErr("requestTooLarge",
			fmt.Sprintf("more than %d ids", c.h.opts.MaxObjectsInGet))
	}
	return nil
}

func (c *call) checkSetLimit(n int) error {
	if n > c.h.opts.MaxObjectsInSet {
		return methodErr("requestTooLarge",
			fmt.Sprintf("more than %d objects", c.h.opts.MaxObjectsInSet))
	}
	return nil
}

func (h *Handler) methodTable() map[string]method {
	t := map[string]method{
		"Core/echo": {CapCore, func(c *call) (any, error) { return c.args, nil }},
	}
	h.mailMethods(t)
	return t
}
