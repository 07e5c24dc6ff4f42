package jmap

import (
	"errors"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// threadGet answers Thread/get (RFC 8621 section 3.1).
func (c *call) threadGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	if a.IDs == nil {
		return nil, methodErr(ErrTypeRequestTooLarge, "ids must be given")
	}
	if err := c.checkGetLimit(len(*a.IDs)); err != nil {
		return nil, err
	}
	st, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	res := &getResult{AccountID: a.AccountID, State: st, List: []any{}, NotFound: []string{}}
	for _, id := range *a.IDs {
		ids, err := c.h.ms.Thread(c.ctx, acct, mailstore.ThreadID(id))
		if errors.Is(err, mailstore.ErrNotFound) {
			res.NotFound = append(res.NotFound, id)
			continue
		}
		if err != nil {
			return nil, err
		}
		res.List = append(res.List, map[string]any{"id": id, "emailIds": strs(ids)})
	}
	return res, nil
}
