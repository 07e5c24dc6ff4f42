package jmap

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// mailboxObject is a Mailbox (RFC 8621 section 2).
type mailboxObject struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	ParentID      *string        `json:"parentId"`
	Role          *string        `json:"role"`
	SortOrder     uint32         `json:"sortOrder"`
	TotalEmails   uint32         `json:"totalEmails"`
	UnreadEmails  uint32         `json:"unreadEmails"`
	TotalThreads  uint32         `json:"totalThreads"`
	UnreadThreads uint32         `json:"unreadThreads"`
	MyRights      map[string]any `json:"myRights"`
	IsSubscribed  bool           `json:"isSubscribed"`
}

func leafName(full string) string {
	if i := strings.LastIndexByte(full, mailstore.Delimiter); i >= 0 {
		return full[i+1:]
	}
	return full
}

func toMailboxObject(m mailstore.Mailbox, tc mailstore.ThreadCounts) mailboxObject {
	o := mailboxObject{ID: string(m.ID), Name: leafName(m.Name), SortOrder: m.SortOrder,
		TotalEmails: m.Total, UnreadEmails: m.Unread,
		TotalThreads: tc.Total, UnreadThreads: tc.Unread, IsSubscribed: m.Subscribed}
	if m.ParentID != "" {
		p := string(m.ParentID)
		o.ParentID = &p
	}
	if m.Role != "" {
		r := m.Role
		o.Role = &r
	}
	o.MyRights = map[string]any{"mayReadItems": true, "mayAddItems": true,
		"mayRemoveItems": true, "maySetSeen": true, "maySetKeywords": true,
		"mayCreateChild": true, "mayRename": m.Role != mailstore.RoleInbox,
		"mayDelete": m.Role != mailstore.RoleInbox, "maySubmit": true}
	return o
}

// getArgs are the arguments of every /get (RFC 8620 section 5.1).
type getArgs struct {
	AccountID  string    `json:"accountId"`
	IDs        *[]string `json:"ids"`
	Properties *[]string `json:"properties"`
}

type getResult struct {
	AccountID string   `json:"accountId"`
	State     string   `json:"state"`
	List      []any    `json:"list"`
	NotFound  []string `json:"notFound"`
}

// filterProps keeps the asked properties of an object (id always).
func filterProps(obj any, props *[]string) (any, error) {
	if props == nil {
		return obj, nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{"id": all["id"]}
	for _, p := range *props {
		if v, ok := all[p]; ok {
			out[p] = v
		}
	}
	return out, nil
}

func (c *call) mailboxGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	if a.IDs != nil {
		if err := c.checkGetLimit(len(*a.IDs)); err != nil {
			return nil, err
		}
	}
	q, err := c.h.ms.HighestModSeq(c.ctx, acct)
	if err != nil {
		return nil, err
	}
	st := state(q)
	mbs, err := c.h.ms.Mailboxes(c.ctx, acct)
	if err != nil {
		return nil, err
	}
	var counts map[mailstore.MailboxID]mailstore.ThreadCounts
	if wantsThreadCounts(a.Properties) {
		if counts, err = c.threadCounts(acct, q); err != nil {
			return nil, err
		}
	}
	res := &getResult{AccountID: a.AccountID, State: st, List: []any{}, NotFound: []string{}}
	byID := map[string]mailstore.Mailbox{}
	for _, m := range mbs {
		byID[string(m.ID)] = m
	}
	ids := make([]string, 0, len(mbs))
	if a.IDs == nil {
		for _, m := range mbs {
			ids = append(ids, string(m.ID))
		}
	} else {
		for _, id := range *a.IDs {
			rid, _ := c.resolveID(id)
			ids = append(ids, rid)
		}
	}
	for _, id := range ids {
		m, ok := byID[id]
		if !ok {
			res.NotFound = append(res.NotFound, id)
			continue
		}
		o, err := filterProps(toMailboxObject(m, counts[m.ID]), a.Properties)
		if err != nil {
			return nil, err
		}
		res.List = append(res.List, o)
	}
	return res, nil
}

type mailboxQueryArgs struct {
	AccountID string `json:"accountId"`
	Filter    *struct {
		ParentID     nullableID `json:"parentId"`
		Name         *string    `json:"name"`
		Role         *string    `json:"role"`
		HasAnyRole   *bool      `json:"hasAnyRole"`
		IsSubscribed *bool      `json:"isSubscribed"`
	} `json:"filter"`
	Sort []struct {
		Property    string `json:"property"`
		IsAscending *bool  `json:"isAscending"`
	} `json:"sort"`
	Position       int  `json:"position"`
	Limit          *int `json:"limit"`
	CalculateTotal bool `json:"calculateTotal"`
	SortAsTree     bool `json:"sortAsTree"`
	FilterAsTree   bool `json:"filterAsTree"`
}

type queryResult struct {
	AccountID           string   `json:"accountId"`
	QueryState          string   `json:"queryState"`
	CanCalculateChanges bool     `json:"canCalculateChanges"`
	Position            int      `json:"position"`
	IDs                 []string `json:"ids"`
	Total               *int     `json:"total,omitempty"`
	Limit               *int     `json:"limit,omitempty"`
}

// mailboxQuery answers Mailbox/query (RFC 8621 section 2.3).
func (c *call) mailboxQuery() (any, error) {
	var a mailboxQueryArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	return c.mailboxQueryResult(acct, &a)
}

// mailboxQueryResult runs a Mailbox/query on an account.
func (c *call) mailboxQueryResult(acct string, a *mailboxQueryArgs) (*queryResult, error) {
	st, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	mbs, err := c.h.ms.Mailboxes(c.ctx, acct)
	if err != nil {
		return nil, err
	}
	mbs = slices.DeleteFunc(mbs, func(m mailstore.Mailbox) bool {
		f := a.Filter
		if f == nil {
			return false
		}
		return (f.ParentID.set && f.ParentID.id != string(m.ParentID)) ||
			(f.Name != nil && !strings.Contains(strings.ToLower(leafName(m.Name)),
				strings.ToLower(*f.Name))) ||
			(f.Role != nil && *f.Role != m.Role) ||
			(f.HasAnyRole != nil && *f.HasAnyRole != (m.Role != "")) ||
			(f.IsSubscribed != nil && *f.IsSubscribed != m.Subscribed)
	})
	for _, s := range a.Sort {
		if s.Property != "name" && s.Property != "sortOrder" {
			return nil, methodErr(ErrTypeUnsupportedSort, s.Property)
		}
	}
	slices.SortStableFunc(mbs, func(x, y mailstore.Mailbox) int {
		for _, s := range a.Sort {
			d := 0
			if s.Property == "name" {
				d = strings.Compare(x.Name, y.Name)
			} else {
				d = int(x.SortOrder) - int(y.SortOrder)
			}
			if s.IsAscending != nil && !*s.IsAscending {
				d = -d
			}
			if d != 0 {
				return d
			}
		}
		if a.SortAsTree {
			return strings.Compare(x.Name, y.Name)
		}
		return 0
	})
	ids := make([]string, len(mbs))
	for i, m := range mbs {
		ids[i] = string(m.ID)
	}
	res := pageIDs(a.AccountID, st, ids, a.Position, a.Limit, a.CalculateTotal)
	res.CanCalculateChanges = true
	return res, nil
}

// nullableID is an Id|null argument that tells null from absent: a
// parentId filter of null selects the top-level mailboxes (RFC 8621
// section 2.3).
type nullableID struct {
	set bool
	id  string
}

// UnmarshalJSON records that the argument was given, as an id or null.
func (n *nullableID) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &n.id)
}

func pageIDs(acct, st string, ids []string, pos int, limit *int, total bool) *queryResult {
	n := len(ids)
	if pos < 0 {
		pos = max(0, n+pos)
	}
	pos = min(pos, n)
	end := n
	if limit != nil && pos+*limit < end {
		end = pos + max(0, *limit)
	}
	res := &queryResult{AccountID: acct, QueryState: st, Position: pos, IDs: ids[pos:end]}
	if total {
		res.Total = &n
	}
	return res
}
