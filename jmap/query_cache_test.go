package jmap

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// TestQueryCacheWindows pages through a sorted Email/query with windows
// cut from the kept result and compares each with mailstore computing it
// alone, before and after the account changes.
func TestQueryCacheWindows(t *testing.T) {
	e := newEnv(t, nil)
	e.h.queries.tune(8, 10, 0)
	ctx := context.Background()
	base := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	deliverAt := func(i int, at time.Time) {
		msg := fmt.Sprintf("From: u%d@example.net\r\nTo: alice@example.org\r\n"+
			"Subject: s%02d\r\nMessage-ID: <q%d@example.net>\r\n\r\nx\r\n", i%7, i%13, i)
		d, err := e.ms.Deliver(ctx, strings.NewReader(msg), at,
			[]mailstore.Recipient{{Account: testUser}})
		if err != nil || d[0].Err != nil {
			t.Fatalf("deliver: %v %v", err, d)
		}
	}
	for i := range 60 {
		// Every third pair shares a date, so ties are broken too.
		deliverAt(i, base.Add(time.Duration((i*37)%50)*time.Hour))
	}
	inbox := e.mailboxID("INBOX")
	ref, err := e.ms.Query(ctx, testUser, mailstore.Query{})
	if err != nil || ref.Total != 60 {
		t.Fatalf("reference query: %v %v", ref.Total, err)
	}
	anchor := string(ref.IDs[17])
	type win struct {
		pos, limit, offset int
		anchor             string
	}
	windows := []win{{0, 5, 0, ""}, {20, 10, 0, ""}, {-7, 3, 0, ""}, {55, 10, 0, ""},
		{30, 0, 0, ""}, {0, 4, -2, anchor}, {0, 5, 3, anchor}, {0, 3, -40, anchor},
		{70, 5, 0, ""}}
	sorts := map[string][]mailstore.Comparator{
		"receivedAt": {{Key: mailstore.SortReceived, Descending: true}},
		"subject":    {{Key: mailstore.SortSubject}, {Key: mailstore.SortSize, Descending: true}},
	}
	check := func(stage string) {
		t.Helper()
		for name, sort := range sorts {
			var jsort []map[string]any
			for _, c := range sort {
				jsort = append(jsort, map[string]any{"property": string(c.Key),
					"isAscending": !c.Descending})
			}
			for _, w := range windows {
				args := map[string]any{"filter": map[string]any{"inMailbox": inbox},
					"sort": jsort, "position": w.pos, "calculateTotal": true}
				if w.limit > 0 {
					args["limit"] = w.limit
				}
				if w.anchor != "" {
					args["anchor"], args["anchorOffset"] = w.anchor, w.offset
				}
				got := e.one("Email/query", args)
				want, err := e.ms.Query(ctx, testUser, mailstore.Query{
					Filter: &mailstore.Filter{InMailbox: mailstore.MailboxID(inbox)},
					Sort:   sort, Position: w.pos, Limit: w.limit,
					Anchor: mailstore.EmailID(w.anchor), AnchorOffset: w.offset})
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got["ids"]) != fmt.Sprint(want.IDs) ||
					got["position"] != float64(want.Position) ||
					got["total"] != float64(want.Total) ||
					got["queryState"] != state(want.State) {
					t.Errorf("%s, sort %s, window %+v: got %v, want %+v", stage, name, w,
						got, want)
				}
			}
		}
	}
	kept := func() (n, big int) {
		e.h.queries.mu.Lock()
		defer e.h.queries.mu.Unlock()
		for _, it := range e.h.queries.entries {
			if it.tooBig {
				big++
			} else if it.ids != nil {
				n++
			}
		}
		return n, big
	}
	check("first pass")
	if n, _ := kept(); n != len(sorts) {
		t.Errorf("%d results kept, want %d", n, len(sorts))
	}
	check("from the cache")
	// A result larger than the cache may hold is marked, and its windows
	// are computed one by one.
	e.h.queries.tune(8, 10, 40)
	e.h.queries.mu.Lock()
	e.h.queries.entries, e.h.queries.size = nil, 0
	e.h.queries.mu.Unlock()
	check("too big to keep")
	if n, big := kept(); n != 0 || big != len(sorts) {
		t.Errorf("kept %d, marked too big %d, want 0 and %d", n, big, len(sorts))
	}
	e.h.queries.tune(8, 10, 0)
	e.h.queries.mu.Lock()
	e.h.queries.entries, e.h.queries.size = nil, 0
	e.h.queries.mu.Unlock()
	check("kept again")
	// A new newest email and a destroyed one move every deep window.
	deliverAt(99, base.Add(100*time.Hour))
	e.one("Email/set", map[string]any{"destroy": []string{string(ref.IDs[3])}})
	check("after changes")
	rs := e.call([]any{"Email/query", map[string]any{"accountId": "ACCT",
		"sort":   []any{map[string]any{"property": "receivedAt"}},
		"anchor": string(ref.IDs[3])}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeAnchorNotFound {
		t.Errorf("destroyed anchor = %v", r)
	}
}
