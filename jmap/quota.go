package jmap

// quotaGet answers Quota/get (RFC 9425 section 4.1): one quota for the
// octets and one for the count of the account's mail.
func (c *call) quotaGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	q, err := c.h.ms.Quota(c.ctx, acct)
	if err != nil {
		return nil, err
	}
	mk := func(id, typ string, used, limit int64) map[string]any {
		return map[string]any{"id": id, "resourceType": typ, "used": used,
			"hardLimit": limit, "scope": "account", "name": acct + " " + typ,
			"types": []string{"Mail"}, "warnLimit": nil, "softLimit": nil,
			"description": nil}
	}
	all := map[string]map[string]any{
		"qoctets": mk("qoctets", "octets", q.Bytes, q.MaxBytes),
		"qcount":  mk("qcount", "count", q.Messages, q.MaxMessages),
	}
	ids := []string{"qoctets", "qcount"}
	if a.IDs != nil {
		ids = *a.IDs
	}
	res := &getResult{AccountID: a.AccountID, State: state(uint64(q.Bytes)),
		List: []any{}, NotFound: []string{}}
	for _, id := range ids {
		o, ok := all[id]
		if !ok {
			res.NotFound = append(res.NotFound, id)
			continue
		}
		v, err := filterProps(o, a.Properties)
		if err != nil {
			return nil, err
		}
		res.List = append(res.List, v)
	}
	return res, nil
}
