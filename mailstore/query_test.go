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

// TestSortLongPrefix sorts keys that agree past the compared prefix, and
// dates before 1970.
func TestSortLongPrefix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		common := "a shared subject prefix of some length "
		var ids []EmailID
		for i, tail := range []string{"c", "a", "b"} {
			when := time.Date(1960+i*20, 1, 1, 0, 0, 0, 0, time.UTC)
			e, _, err := f.Append(f.ctx, f.acct, f.inbox, strings.NewReader(msg(common+tail)),
				nil, when)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.EmailID)
		}
		res, _ := f.Query(f.ctx, f.acct, Query{Sort: []Comparator{{Key: SortSubject}}})
		if want := []EmailID{ids[1], ids[2], ids[0]}; !slices.Equal(res.IDs, want) {
			t.Errorf("subject sort = %v, want %v", res.IDs, want)
		}
		res, _ = f.Query(f.ctx, f.acct, Query{Sort: []Comparator{{Key: SortReceived,
			Descending: true}}})
		if want := []EmailID{ids[2], ids[1], ids[0]}; !slices.Equal(res.IDs, want) {
			t.Errorf("received sort = %v, want %v", res.IDs, want)
		}
	})
}

// TestQueryCache checks that cached mailbox entries never hide a change,
// and that queries give the same answers with the cache turned off.
func TestQueryCache(t *testing.T) {
	for _, b := range backends {
		for _, size := range []int{DefaultQueryCache, -1} {
			t.Run(fmt.Sprint(b.name, size), func(t *testing.T) {
				kv, blobs := b.open(t)
				f := newFixtureOn(t, kv, blobs, Options{QueryCache: size})
				unseen := func() int {
					t.Helper()
					res, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox,
						Filter: &Filter{NotKeyword: KeywordSeen}})
					if err != nil {
						t.Fatal(err)
					}
					return res.Total
				}
				a := f.appendMsg(f.inbox, msg("a"))
				f.appendMsg(f.inbox, msg("b"))
				if n := unseen(); n != 2 {
					t.Fatalf("unseen = %d, want 2", n)
				}
				f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{a.UID}, FlagsAdd,
					[]string{KeywordSeen}, 0)
				if n := unseen(); n != 1 {
					t.Errorf("after \\Seen: unseen = %d, want 1", n)
				}
				// Rewritten entries keep what SUBJECT and FROM search.
				res, _ := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox,
					Filter: &Filter{Subject: "A", From: "BOB"}})
				if !slices.Equal(res.UIDs, []uint32{a.UID}) {
					t.Errorf("subject and from after STORE = %v, want [%d]", res.UIDs, a.UID)
				}
				f.appendMsg(f.inbox, msg("c"))
				if n := unseen(); n != 2 {
					t.Errorf("after append: unseen = %d, want 2", n)
				}
				f.Expunge(f.ctx, f.acct, f.inbox, []uint32{2})
				if n := unseen(); n != 1 {
					t.Errorf("after expunge: unseen = %d, want 1", n)
				}
			})
		}
	}
}

func TestViewCacheEviction(t *testing.T) {
	c := newViewCache(3)
	v := []view{{e: 1, baseSubj: []byte("x")}, {e: 2}}
	got := c.put(cacheKey{1, 1}, 5, v)
	v[0].baseSubj[0] = 'y' // the cache owns its bytes
	if string(got[0].baseSubj) != "x" || c.get(cacheKey{1, 1}, 5) == nil {
		t.Fatalf("cached = %+v", got)
	}
	if c.get(cacheKey{1, 1}, 6) != nil {
		t.Error("hit at another MODSEQ")
	}
	c.put(cacheKey{1, 2}, 1, []view{{e: 3}, {e: 4}})
	if c.get(cacheKey{1, 1}, 5) != nil || c.get(cacheKey{1, 2}, 1) == nil || c.size != 2 {
		t.Errorf("LRU not evicted: size %d", c.size)
	}
	c.put(cacheKey{1, 3}, 1, make([]view, 4)) // larger than the cache
	if c.get(cacheKey{1, 3}, 1) != nil {
		t.Error("cached more than the limit")
	}
}

// TestQueryTopWindow checks that selecting the first results of a large
// set gives the same window as sorting it all.
func TestQueryTopWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		for i := range 120 {
			body := msg(fmt.Sprint("s", i%7), fmt.Sprintf("X-Pad: %s", strings.Repeat("x", i%13)))
			f.appendMsg(f.inbox, body)
		}
		for _, sort := range [][]Comparator{
			{{Key: SortSize}},
			{{Key: SortSubject, Descending: true}, {Key: SortSize}},
		} {
			full, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: sort})
			if err != nil {
				t.Fatal(err)
			}
			for _, pos := range []int{0, 3, 9} {
				win, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: sort,
					Position: pos, Limit: 5})
				if err != nil {
					t.Fatal(err)
				}
				want := full.IDs[pos : pos+5]
				if !slices.Equal(win.IDs, want) || win.Total != 120 || win.Position != pos {
					t.Errorf("sort %v window %d = %v (total %d), want %v",
						sort, pos, win.IDs, win.Total, want)
				}
			}
		}
	})
}

// TestCollapseWindow checks collapsed windows against a full collapsed
// sort: one email per thread, the first in sort order.
func TestCollapseWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		for i := range 60 {
			hdr := fmt.Sprintf("Message-ID: <c%d@x>", i)
			subj := fmt.Sprint("topic ", i%9)
			if i >= 9 {
				hdr += fmt.Sprintf("\r\nIn-Reply-To: <c%d@x>", i%9)
			}
			pad := fmt.Sprintf("X-Pad: %s", strings.Repeat("p", i%11))
			f.appendMsg(f.inbox, msg(subj, hdr, pad))
		}
		sort := []Comparator{{Key: SortSize, Descending: true}}
		full, err := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: sort,
			CollapseThreads: true})
		if err != nil || full.Total != 9 {
			t.Fatalf("collapsed = %+v, %v; want 9 threads", full, err)
		}
		all, _ := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: sort})
		seen := map[ThreadID]bool{}
		var want []EmailID
		for _, id := range all.IDs {
			em, _ := f.Email(f.ctx, f.acct, id)
			if !seen[em.ThreadID] {
				seen[em.ThreadID] = true
				want = append(want, id)
			}
		}
		if !slices.Equal(full.IDs, want) {
			t.Errorf("collapsed = %v, want %v", full.IDs, want)
		}
		win, _ := f.Query(f.ctx, f.acct, Query{Mailbox: f.inbox, Sort: sort,
			CollapseThreads: true, Position: 1, Limit: 1})
		if !slices.Equal(win.IDs, want[1:2]) || win.Total != 9 {
			t.Errorf("window = %+v, want %v of 9", win, want[1:2])
		}
	})
}
