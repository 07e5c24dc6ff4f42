package jmap

// setSpec describes a /set of one of the handler's own types, whose
// state is the type's counter in data.
type setSpec struct {
	typ string
	// ops returns the per-object steps once the account is known and
	// ifInState has been checked.
	ops func(acct string) (setOps, error)
	// after, when set, runs once every object was handled, before the new
	// state is read (the onSuccess arguments of RFC 8621 section 7.5 and
	// RFC 9661 section 2.2).
	after func(acct string, res *setResult) error
}

// answerSet answers a /set (RFC 8620 section 5.3) of one of the handler's
// own types: it checks the account, the object limit and ifInState,
// applies the creates, updates and destroys in that order and reports the
// states before and after.
func (c *call) answerSet(a *setArgs, spec setSpec) (*setResult, error) {
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSet(a); err != nil {
		return nil, err
	}
	res := newSetResult(a.AccountID)
	if res.OldState, err = c.h.data.state(c.ctx, acct, spec.typ); err != nil {
		return nil, err
	}
	if a.IfInState != nil && *a.IfInState != res.OldState {
		return nil, methodErr(ErrTypeStateMismatch, "")
	}
	ops, err := spec.ops(acct)
	if err != nil {
		return nil, err
	}
	if err := c.applySet(a, res, ops); err != nil {
		return nil, err
	}
	if spec.after != nil {
		if err := spec.after(acct, res); err != nil {
			return nil, err
		}
	}
	if res.NewState, err = c.h.data.state(c.ctx, acct, spec.typ); err != nil {
		return nil, err
	}
	return res, nil
}
