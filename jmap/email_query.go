package jmap

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// emailFilter is a FilterCondition or FilterOperator of Email/query (RFC
// 8621 section 4.4.1).
type emailFilter struct {
	Operator           string            `json:"operator"`
	Conditions         []json.RawMessage `json:"conditions"`
	InMailbox          string            `json:"inMailbox"`
	InMailboxOtherThan []string          `json:"inMailboxOtherThan"`
	Before             *time.Time        `json:"before"`
	After              *time.Time        `json:"after"`
	MinSize            int64             `json:"minSize"`
	MaxSize            int64             `json:"maxSize"`
	HasKeyword         string            `json:"hasKeyword"`
	NotKeyword         string            `json:"notKeyword"`
	Text               string            `json:"text"`
	From               string            `json:"from"`
	To                 string            `json:"to"`
	Cc                 string            `json:"cc"`
	Bcc                string            `json:"bcc"`
	Subject            string            `json:"subject"`
	Body               string            `json:"body"`
	Header             []string          `json:"header"`
}

const maxFilterDepth = 16

func (c *call) toFilter(raw json.RawMessage, depth int) (*mailstore.Filter, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if depth > maxFilterDepth {
		return nil, methodErr(ErrTypeUnsupportedFilter, "filter nested too deep")
	}
	var f emailFilter
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, methodErr(ErrTypeUnsupportedFilter, err.Error())
	}
	if f.Operator != "" {
		out := &mailstore.Filter{Operator: mailstore.FilterOperator(f.Operator)}
		switch out.Operator {
		case mailstore.FilterAnd, mailstore.FilterOr, mailstore.FilterNot:
		default:
			return nil, methodErr(ErrTypeUnsupportedFilter, "operator "+f.Operator)
		}
		for _, cr := range f.Conditions {
			sub, err := c.toFilter(cr, depth+1)
			if err != nil {
				return nil, err
			}
			if sub != nil {
				out.Conditions = append(out.Conditions, sub)
			}
		}
		return out, nil
	}
	in, _ := c.resolveID(f.InMailbox)
	out := &mailstore.Filter{InMailbox: mailstore.MailboxID(in),
		HasKeyword: f.HasKeyword, NotKeyword: f.NotKeyword, MinSize: f.MinSize,
		MaxSize: f.MaxSize, From: f.From, To: f.To, Cc: f.Cc, Bcc: f.Bcc,
		Subject: f.Subject, Body: f.Body, Text: f.Text, Header: f.Header,
		Stemmed: f.Body != "" || f.Text != ""}
	for _, m := range f.InMailboxOtherThan {
		out.InMailboxOtherThan = append(out.InMailboxOtherThan, mailstore.MailboxID(m))
	}
	if f.Before != nil {
		out.Before = *f.Before
	}
	if f.After != nil {
		out.After = *f.After
	}
	return out, nil
}

type emailQueryArgs struct {
	AccountID string          `json:"accountId"`
	Filter    json.RawMessage `json:"filter"`
	Sort      []struct {
		Property    string `json:"property"`
		IsAscending *bool  `json:"isAscending"`
		Collation   string `json:"collation"`
	} `json:"sort"`
	Position        int    `json:"position"`
	Anchor          string `json:"anchor"`
	AnchorOffset    int    `json:"anchorOffset"`
	Limit           *int   `json:"limit"`
	CalculateTotal  bool   `json:"calculateTotal"`
	CollapseThreads bool   `json:"collapseThreads"`
}

// emailQuery answers Email/query (RFC 8621 section 4.4).
func (c *call) emailQuery() (any, error) {
	var a emailQueryArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	q := mailstore.Query{Position: a.Position, Anchor: mailstore.EmailID(a.Anchor),
		AnchorOffset: a.AnchorOffset, CollapseThreads: a.CollapseThreads}
	if a.Limit != nil {
		if *a.Limit < 0 {
			return nil, invalidArgs("limit must not be negative")
		}
		q.Limit = *a.Limit
	}
	if q.Filter, err = c.toFilter(a.Filter, 0); err != nil {
		return nil, err
	}
	for _, s := range a.Sort {
		switch k := mailstore.SortKey(s.Property); k {
		case mailstore.SortReceived, mailstore.SortSent, mailstore.SortSize,
			mailstore.SortSubject, mailstore.SortFrom, mailstore.SortTo, mailstore.SortCc:
			desc := s.IsAscending != nil && !*s.IsAscending
			q.Sort = append(q.Sort, mailstore.Comparator{Key: k, Descending: desc})
		default:
			return nil, methodErr(ErrTypeUnsupportedSort, s.Property)
		}
	}
	r, err := c.h.query(c.ctx, acct, q)
	switch {
	case errors.Is(err, mailstore.ErrAnchorNotFound):
		return nil, methodErr(ErrTypeAnchorNotFound, "")
	case errors.Is(err, mailstore.ErrInvalidQuery):
		return nil, methodErr(ErrTypeUnsupportedFilter, "")
	case err != nil:
		return nil, err
	}
	res := &queryResult{AccountID: a.AccountID, QueryState: state(r.State),
		Position: r.Position, IDs: strs(r.IDs), CanCalculateChanges: !a.CollapseThreads}
	if a.CalculateTotal {
		res.Total = &r.Total
	}
	return res, nil
}
