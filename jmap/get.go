package jmap

import "sort"

// beginGet starts a /get: it decodes the arguments and returns them
// with the account they name. Callers read the objects before the
// state, since reading some (the default identity) may create them.
func (c *call) beginGet() (getArgs, string, error) {
	var a getArgs
	if err := c.decode(&a); err != nil {
		return a, "", err
	}
	acct, err := c.account(a.AccountID)
	return a, acct, err
}

// answerGet builds a /get response (RFC 8620, section 5.1) from an
// account's objects by id: the ids the client asked for, or every object
// in the order given. fill, when set, completes each object returned.
func answerGet[T any](a getArgs, state string, byID map[string]T, order []string,
	fill func(*T) error) (*getResult, error) {
	ids := order
	if a.IDs != nil {
		ids = *a.IDs
	}
	res := &getResult{AccountID: a.AccountID, State: state, List: []any{}, NotFound: []string{}}
	for _, id := range ids {
		obj, ok := byID[id]
		if !ok {
			res.NotFound = append(res.NotFound, id)
			continue
		}
		if fill != nil {
			if err := fill(&obj); err != nil {
				return nil, err
			}
		}
		o, err := filterProps(obj, a.Properties)
		if err != nil {
			return nil, err
		}
		res.List = append(res.List, o)
	}
	return res, nil
}

// sortedIDs returns the keys of m in order.
func sortedIDs[T any](m map[string]T) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
