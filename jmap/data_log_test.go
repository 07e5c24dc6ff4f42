package jmap

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/bulwarkmail/bulwark/store/memory"
)

func ids(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	slices.Sort(out)
	return out
}

// TestIdentityChanges follows Identity/changes through creates, updates
// and destroys, with maxChanges and a state the log never gave.
func TestIdentityChanges(t *testing.T) {
	e := newEnv(t, nil)
	g := e.one("Identity/get", map[string]any{})
	s0 := g["state"].(string)
	def := g["list"].([]any)[0].(map[string]any)["id"].(string)
	ch := e.one("Identity/changes", map[string]any{"sinceState": s0})
	if ch["newState"] != s0 || len(ch["created"].([]any))+len(ch["updated"].([]any))+
		len(ch["destroyed"].([]any)) != 0 {
		t.Errorf("no change = %v", ch)
	}
	set := e.one("Identity/set", map[string]any{"create": map[string]any{
		"a": map[string]any{"email": testUser, "name": "A"},
		"b": map[string]any{"email": testUser, "name": "B"}}})
	a := set["created"].(map[string]any)["a"].(map[string]any)["id"].(string)
	b := set["created"].(map[string]any)["b"].(map[string]any)["id"].(string)
	s1 := set["newState"].(string)
	if set["oldState"] != s0 || s1 == s0 {
		t.Errorf("states of set = %v", set)
	}
	ch = e.one("Identity/changes", map[string]any{"sinceState": s0})
	if got := ids(ch["created"]); !slices.Equal(got, ids([]any{a, b})) ||
		ch["newState"] != s1 || ch["hasMoreChanges"] != false {
		t.Errorf("after create = %v", ch)
	}
	// maxChanges 1 stops after the first object, at an intermediate state.
	ch = e.one("Identity/changes", map[string]any{"sinceState": s0, "maxChanges": 1})
	if len(ch["created"].([]any)) != 1 || ch["hasMoreChanges"] != true ||
		ch["newState"] == s1 || ch["newState"] == s0 {
		t.Errorf("maxChanges 1 = %v", ch)
	}
	rest := e.one("Identity/changes", map[string]any{"sinceState": ch["newState"]})
	if len(rest["created"].([]any)) != 1 || rest["newState"] != s1 {
		t.Errorf("rest = %v", rest)
	}
	set = e.one("Identity/set", map[string]any{
		"update":  map[string]any{a: map[string]any{"name": "A2"}, def: map[string]any{"textSignature": "--"}},
		"destroy": []string{b, def}})
	if set["notDestroyed"].(map[string]any)[def].(map[string]any)["type"] != SetErrForbidden {
		t.Errorf("destroying the default identity = %v", set)
	}
	s2 := set["newState"].(string)
	ch = e.one("Identity/changes", map[string]any{"sinceState": s1})
	if !slices.Equal(ids(ch["updated"]), ids([]any{a, def})) ||
		!slices.Equal(ids(ch["destroyed"]), []string{b}) || ch["newState"] != s2 {
		t.Errorf("after update and destroy = %v", ch)
	}
	// Since s0, b was created and destroyed: it is left out.
	ch = e.one("Identity/changes", map[string]any{"sinceState": s0})
	if !slices.Equal(ids(ch["created"]), []string{a}) || len(ch["destroyed"].([]any)) != 0 ||
		!slices.Equal(ids(ch["updated"]), []string{def}) {
		t.Errorf("folded since s0 = %v", ch)
	}
	for _, bad := range []string{"old", "999"} {
		rs := e.call([]any{"Identity/changes", map[string]any{"accountId": "ACCT",
			"sinceState": bad}, "0"})
		if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeCannotCalculate {
			t.Errorf("state %q = %v", bad, r)
		}
	}
	rs := e.call([]any{"Identity/set", map[string]any{"accountId": "ACCT", "ifInState": s0,
		"update": map[string]any{a: map[string]any{"mayDelete": false}}}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeStateMismatch {
		t.Errorf("ifInState = %v", r)
	}
	set = e.one("Identity/set", map[string]any{"update": map[string]any{
		a: map[string]any{"mayDelete": false}}})
	if set["notUpdated"].(map[string]any)[a].(map[string]any)["type"] != SetErrInvalidProps {
		t.Errorf("changing mayDelete = %v", set)
	}
}

// TestSubmissionChanges checks that EmailSubmission/changes lists a
// submission once it is created and once it is destroyed.
func TestSubmissionChanges(t *testing.T) {
	e := newEnv(t, nil)
	s0 := e.one("EmailSubmission/get", map[string]any{})["state"].(string)
	id := e.deliver("From: alice@example.org\r\nTo: carol@example.net\r\nSubject: s\r\n\r\nx\r\n")
	ident := e.one("Identity/get", map[string]any{})["list"].([]any)[0].(map[string]any)
	set := e.one("EmailSubmission/set", map[string]any{"create": map[string]any{
		"s": map[string]any{"identityId": ident["id"], "emailId": string(id)}}})
	sid := set["created"].(map[string]any)["s"].(map[string]any)["id"].(string)
	s1 := set["newState"].(string)
	ch := e.one("EmailSubmission/changes", map[string]any{"sinceState": s0})
	if !slices.Equal(ids(ch["created"]), []string{sid}) || ch["newState"] != s1 {
		t.Errorf("after submit = %v", ch)
	}
	set = e.one("EmailSubmission/set", map[string]any{
		"update":  map[string]any{sid: map[string]any{"undoStatus": "canceled"}},
		"destroy": []string{sid, "nosuch"}})
	if set["notUpdated"].(map[string]any)[sid].(map[string]any)["type"] != SetErrCannotUnsend ||
		set["notDestroyed"].(map[string]any)["nosuch"].(map[string]any)["type"] != SetErrNotFound {
		t.Errorf("update and destroy = %v", set)
	}
	ch = e.one("EmailSubmission/changes", map[string]any{"sinceState": s1})
	if !slices.Equal(ids(ch["destroyed"]), []string{sid}) || ch["newState"] == s1 {
		t.Errorf("after destroy = %v", ch)
	}
	rs := e.call([]any{"EmailSubmission/set", map[string]any{"accountId": "ACCT",
		"ifInState": s0, "destroy": []string{}}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeStateMismatch {
		t.Errorf("ifInState = %v", r)
	}
}

// TestChangeLogWindow checks that the log keeps the last maxLogEntries
// changes: a state within them is followed, an older one is not.
func TestChangeLogWindow(t *testing.T) {
	ctx := context.Background()
	d := &data{kv: memory.New()}
	n := maxLogEntries + 50
	for i := range n {
		if err := d.put(ctx, testUser, typeIdentity, "i"+strconv.Itoa(i%3), i); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.put(ctx, testUser, typeIdentity, "nosuch", nil); !errors.Is(err, errNoObject) {
		t.Errorf("deleting a missing object: %v", err)
	}
	if _, err := d.changesSince(ctx, testUser, typeIdentity, 10, 0); !errors.Is(err, errLogGone) {
		t.Errorf("state older than the log: %v", err)
	}
	lc, err := d.changesSince(ctx, testUser, typeIdentity, uint64(n-maxLogEntries), 0)
	if err != nil || len(lc.updated) != 3 || lc.newState != uint64(n) || lc.hasMore {
		t.Errorf("oldest state kept: %+v %v", lc, err)
	}
	if err := d.put(ctx, testUser, typeIdentity, "i1", nil); err != nil {
		t.Fatal(err)
	}
	lc, err = d.changesSince(ctx, testUser, typeIdentity, uint64(n-1), 2)
	if err != nil || !slices.Equal(lc.destroyed, []string{"i1"}) ||
		!slices.Equal(lc.updated, []string{"i" + strconv.Itoa((n-1)%3)}) {
		t.Errorf("last two changes: %+v %v", lc, err)
	}
}
