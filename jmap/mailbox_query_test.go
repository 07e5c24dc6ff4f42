package jmap

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestMailboxQueryChanges follows a sorted, filtered Mailbox/query
// through a create, a rename that moves a mailbox in the order and a
// destroy (RFC 8620 section 5.6).
func TestMailboxQueryChanges(t *testing.T) {
	e := newEnv(t, nil)
	set := e.one("Mailbox/set", map[string]any{"create": map[string]any{
		"p": map[string]any{"name": "Projects"},
		"k": map[string]any{"name": "Kids", "parentId": "#p"}}})
	proj := set["created"].(map[string]any)["p"].(map[string]any)["id"].(string)
	kid := set["created"].(map[string]any)["k"].(map[string]any)["id"].(string)
	sort := []any{map[string]any{"property": "name"}}
	top := map[string]any{"parentId": nil}
	q := e.one("Mailbox/query", map[string]any{"filter": top, "sort": sort})
	old := q["ids"].([]any)
	if q["canCalculateChanges"] != true || slices.Contains(old, any(kid)) ||
		!slices.Contains(old, any(proj)) {
		t.Fatalf("Mailbox/query parentId=null = %v", q)
	}
	st := q["queryState"].(string)
	kids := e.one("Mailbox/query", map[string]any{"filter": map[string]any{"parentId": proj}})
	if fmt.Sprint(kids["ids"]) != fmt.Sprint([]any{kid}) {
		t.Errorf("Mailbox/query parentId=%s = %v", proj, kids)
	}

	set = e.one("Mailbox/set", map[string]any{
		"create":  map[string]any{"a": map[string]any{"name": "AAA first"}},
		"update":  map[string]any{proj: map[string]any{"name": "ZZZ last"}},
		"destroy": []string{kid}})
	aaa := set["created"].(map[string]any)["a"].(map[string]any)["id"].(string)
	if len(set["destroyed"].([]any)) != 1 {
		t.Fatalf("Mailbox/set = %v", set)
	}
	qc := e.one("Mailbox/queryChanges", map[string]any{"sinceQueryState": st,
		"filter": top, "sort": sort, "calculateTotal": true})
	now := e.one("Mailbox/query", map[string]any{"filter": top, "sort": sort})
	cur := now["ids"].([]any)
	if qc["newQueryState"] != now["queryState"] || qc["oldQueryState"] != st ||
		qc["total"] != float64(len(cur)) {
		t.Errorf("states or total = %v", qc)
	}
	// Applying the changes to the old ids gives the new ones.
	var removed []string
	b, _ := json.Marshal(qc["removed"])
	_ = json.Unmarshal(b, &removed)
	var added []addedItem
	b, _ = json.Marshal(qc["added"])
	_ = json.Unmarshal(b, &added)
	var got []any
	for _, id := range old {
		if !slices.Contains(removed, id.(string)) {
			got = append(got, id)
		}
	}
	for _, a := range added {
		got = slices.Insert(got, a.Index, any(a.ID))
	}
	if fmt.Sprint(got) != fmt.Sprint(cur) {
		t.Errorf("old %v with %v gives %v, want %v", old, qc, got, cur)
	}
	if !slices.Contains(removed, kid) || !slices.Contains(removed, proj) ||
		cur[0] != aaa || cur[len(cur)-1] != proj {
		t.Errorf("Mailbox/queryChanges = %v, now %v", qc, cur)
	}
	rs := e.call([]any{"Mailbox/queryChanges", map[string]any{"accountId": "ACCT",
		"sinceQueryState": st, "filter": top, "sort": sort, "maxChanges": 1}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeTooManyChanges {
		t.Errorf("maxChanges 1 = %v", r)
	}
	nc := e.one("Mailbox/queryChanges", map[string]any{"sinceQueryState": now["queryState"],
		"filter": top, "sort": sort})
	if len(nc["removed"].([]any))+len(nc["added"].([]any)) != 0 {
		t.Errorf("no change = %v", nc)
	}
}
