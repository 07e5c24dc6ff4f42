package mailstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// queryFixture fills INBOX with messages whose properties the query tests
// know.
type qmsg struct {
	from, to, subject, body, date string
	kws                           []string
	received                      time.Time
	extra                         []string
}

var queryMsgs = []qmsg{
	{"Zoe Zed <zoe@z.example>", "alice@example.test", "Straße works", "Grüße aus München",
		"Mon, 01 Jan 2024 10:00:00 +0000", []string{`\Seen`}, day(1), nil},
	{"adam@a.example", "bob@b.example", "Re: lunch", "shall we meet for lunch tomorrow",
		"Tue, 02 Jan 2024 10:00:00 +0000", nil, day(3), []string{"X-Tag: Blue Moon"}},
	{"Mia <mia@m.example>", "carol@c.example", "Invoice 42", "please pay the invoice",
		"Wed, 03 Jan 2024 10:00:00 +0000", []string{`\Flagged`, `\Seen`}, day(2), nil},
	{"bob@b.example", "alice@example.test", "lunch", "Lunchtime! 東京 meeting",
		"", []string{"$label"}, day(4), nil},
}

func day(n int) time.Time { return time.Date(2024, 2, n, 12, 0, 0, 0, time.UTC) }

func (m qmsg) raw() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", m.from, m.to, m.subject)
	if m.date != "" {
		fmt.Fprintf(&sb, "Date: %s\r\n", m.date)
	}
	for _, h := range m.extra {
		sb.WriteString(h + "\r\n")
	}
	sb.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + m.body + "\r\n")
	return sb.String()
}

func fillQuery(t *testing.T, f *fixture) []EmailID {
	t.Helper()
	var ids []EmailID
	for _, m := range queryMsgs {
		e, _, err := f.Append(f.ctx, f.acct, f.inbox, strings.NewReader(m.raw()), m.kws,
			m.received)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.EmailID)
	}
	// One more in Archive, outside the mailbox queries.
	f.appendMsg(f.mailbox("Archive").ID, msg("archived lunch"))
	return ids
}

func TestQueryFilters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ids := fillQuery(t, f)
		idx := func(ns ...int) []EmailID {
			out := []EmailID{}
			for _, n := range ns {
				out = append(out, ids[n])
			}
			return out
		}
		size1 := int64(len(queryMsgs[1].raw()))
		tests := []struct {
			name   string
			filter *Filter
			want   []EmailID
		}{
			{"all", nil, idx(0, 1, 2, 3)},
			{"seen", &Filter{HasKeyword: `\Seen`}, idx(0, 2)},
			{"not seen", &Filter{NotKeyword: "$seen"}, idx(1, 3)},
			{"received after", &Filter{After: day(2)}, idx(1, 2, 3)},
			{"received before", &Filter{Before: day(2)}, idx(0)},
			{"sent before", &Filter{SentBefore: time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)},
				idx(0)},
			{"size", &Filter{MinSize: size1, MaxSize: size1 + 1}, idx(1)},
			{"from name", &Filter{From: "ZOE"}, idx(0)},
			{"from addr", &Filter{From: "b.example"}, idx(3)},
			{"to", &Filter{To: "alice@"}, idx(0, 3)},
			{"subject fold", &Filter{Subject: "STRASSE"}, idx(0)},
			{"body word", &Filter{Body: "TOMORROW"}, idx(1)},
			{"body prefix", &Filter{Body: "lunch"}, idx(1, 3)},
			{"body not subject", &Filter{Body: "invoice pay"}, idx(2)},
			{"body misses address", &Filter{Body: "adam"}, idx()},
			{"text finds address", &Filter{Text: "adam"}, idx(1)},
			{"text", &Filter{Text: "lunch"}, idx(1, 3)},
			{"body fold", &Filter{Body: "GRÜSSE münchen"}, idx(0)},
			{"body cjk", &Filter{Body: "東京"}, idx(3)},
			{"body none", &Filter{Body: "nonexistentword"}, idx()},
			{"header exists", &Filter{Header: []string{"x-tag"}}, idx(1)},
			{"header value", &Filter{Header: []string{"X-Tag", "moon"}}, idx(1)},
			{"header miss", &Filter{Header: []string{"X-Tag", "sun"}}, idx()},
			{"in mailbox", &Filter{InMailbox: f.inbox}, idx(0, 1, 2, 3)},
			{"or", &Filter{Operator: FilterOr, Conditions: []*Filter{
				{HasKeyword: KeywordFlagged}, {From: "adam"}}}, idx(1, 2)},
			{"not", &Filter{Operator: FilterNot, Conditions: []*Filter{
				{HasKeyword: KeywordSeen}}}, idx(1, 3)},
			{"and", &Filter{Operator: FilterAnd, Conditions: []*Filter{
				{HasKeyword: KeywordSeen}, {Subject: "invoice"}}}, idx(2)},
			{"uids", &Filter{UIDs: []UIDRange{{2, 3}}}, idx(1, 2)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Filter: tc.filter})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(res.IDs, tc.want) || res.Total != len(tc.want) {
					t.Errorf("Query(%s) = %v (total %d), want %v",
						tc.name, res.IDs, res.Total, tc.want)
				}
			})
		}
		ents := f.list(f.inbox)
		res, _ := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox,
			Filter: &Filter{MinModSeq: ents[2].ModSeq}})
		if !slices.Equal(res.IDs, idx(2, 3)) {
			t.Errorf("MinModSeq = %v, want %v", res.IDs, idx(2, 3))
		}
		// Across the account.
		res, _ = f.Query(f.ctx, f.acct, Query{Filter: &Filter{Text: "lunch"}})
		if res.Total != 3 || res.UIDs != nil {
			t.Errorf("account-wide lunch = %+v, want 3 and no UIDs", res)
		}
		other := &Filter{InMailboxOtherThan: []MailboxID{f.inbox}}
		res, _ = f.Query(f.ctx, f.acct, Query{Filter: other})
		if res.Total != 1 {
			t.Errorf("inMailboxOtherThan inbox = %d, want 1", res.Total)
		}
		_, err := f.Query(f.ctx, f.acct, Query{Filter: &Filter{UIDs: []UIDRange{{1, 2}}}})
		if !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("UIDs without mailbox: err = %v", err)
		}
	})
}

func TestQuerySortAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ids := fillQuery(t, f)
		idx := func(ns ...int) []EmailID {
			out := []EmailID{}
			for _, n := range ns {
				out = append(out, ids[n])
			}
			return out
		}
		tests := []struct {
			sort []Comparator
			want []EmailID
		}{
			{nil, idx(0, 1, 2, 3)},
			{[]Comparator{{Key: SortReceived}}, idx(0, 2, 1, 3)},
			{[]Comparator{{Key: SortReceived, Descending: true}}, idx(3, 1, 2, 0)},
			// The fourth has no Date: the received date stands in.
			{[]Comparator{{Key: SortSent}}, idx(0, 1, 2, 3)},
			{[]Comparator{{Key: SortSubject}}, idx(2, 1, 3, 0)},
			{[]Comparator{{Key: SortFrom}}, idx(1, 3, 2, 0)},
			{[]Comparator{{Key: SortTo}, {Key: SortReceived, Descending: true}}, idx(3, 0, 1, 2)},
			{[]Comparator{{Key: SortSize, Descending: true}}, nil},
		}
		for _, tc := range tests {
			res, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: tc.sort})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !slices.Equal(res.IDs, tc.want) {
				t.Errorf("sort %v = %v, want %v", tc.sort, res.IDs, tc.want)
			}
		}
		byRecv := []Comparator{{Key: SortReceived}} // 0 2 1 3
		pages := []struct {
			q    Query
			want []EmailID
			pos  int
		}{
			{Query{Position: 1, Limit: 2}, idx(2, 1), 1},
			{Query{Position: -1}, idx(3), 3},
			{Query{Position: 10}, idx(), 4},
			{Query{Anchor: ids[1], AnchorOffset: -1, Limit: 2}, idx(2, 1), 1},
			{Query{Anchor: ids[0], AnchorOffset: -5, Limit: 1}, idx(0), 0},
		}
		for _, p := range pages {
			p.q.Mailbox, p.q.Sort = f.inbox, byRecv
			res, err := f.Query(f.ctx, f.acct, p.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.IDs, p.want) || res.Position != p.pos || res.Total != 4 {
				t.Errorf("page %+v = %v at %d (total %d), want %v at %d",
					p.q, res.IDs, res.Position, res.Total, p.want, p.pos)
			}
			if len(res.UIDs) != len(res.IDs) {
				t.Errorf("UIDs %v do not match IDs", res.UIDs)
			}
		}
		_, err := f.Query(f.ctx, f.acct, Query{Anchor: "e999"})
		if !errors.Is(err, ErrAnchorNotFound) {
			t.Errorf("missing anchor: err = %v", err)
		}
		_, err = f.Query(f.ctx, f.acct, Query{Sort: []Comparator{{Key: "bogus"}}})
		if !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("bogus sort: err = %v", err)
		}
		high, _ := f.HighestModSeq(f.ctx, f.acct)
		if res, _ := f.Query(f.ctx, f.acct, Query{}); res.State != high {
			t.Errorf("State = %d, want %d", res.State, high)
		}
	})
}

func TestQueryCollapseThreads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		f.appendMsg(f.inbox, msg("Plans", "Message-ID: <p@x>"))
		f.appendMsg(f.inbox, msg("Re: Plans", "In-Reply-To: <p@x>"))
		f.appendMsg(f.inbox, msg("Other"))
		res, err := f.Query(f.ctx, f.acct, Query{CollapseThreads: true,
			Sort: []Comparator{{Key: SortReceived, Descending: true}}})
		if err != nil || res.Total != 2 {
			t.Errorf("collapsed = %+v, %v; want 2 threads", res, err)
		}
	})
}

func TestFilterDepthLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		deep := &Filter{HasKeyword: "x"}
		for range maxFilterDepth + 1 {
			deep = &Filter{Operator: FilterNot, Conditions: []*Filter{deep}}
		}
		_, err := f.Query(f.ctx, f.acct, Query{Filter: deep})
		if !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("depth %d: err = %v, want ErrInvalidQuery", maxFilterDepth+1, err)
		}
	})
}

// TestQueryImpliedMailbox checks that an account-wide query restricted by
// inMailbox gives the same answer as scanning the whole account would.
func TestQueryImpliedMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ids := fillQuery(t, f)
		arch := f.mailbox("Archive")
		if err := f.SetEmailMailboxes(f.ctx, f.acct, ids[2],
			[]MailboxID{f.inbox, arch.ID}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			filter *Filter
			want   int
		}{
			{&Filter{InMailbox: arch.ID}, 2},
			{&Filter{Operator: FilterAnd, Conditions: []*Filter{
				{InMailbox: f.inbox}, {HasKeyword: KeywordSeen}}}, 2},
			{&Filter{InMailbox: f.inbox, Subject: "lunch"}, 2},
			{&Filter{InMailbox: "m999"}, 0},
			{&Filter{Operator: FilterOr, Conditions: []*Filter{
				{InMailbox: arch.ID}, {From: "adam"}}}, 3},
		}
		for i, tc := range tests {
			res, err := f.Query(f.ctx, f.acct, Query{Filter: tc.filter})
			if err != nil || res.Total != tc.want || res.UIDs != nil {
				t.Errorf("case %d: Query = %+v, %v; want %d emails, no UIDs", i, res, err, tc.want)
			}
		}
	})
}
