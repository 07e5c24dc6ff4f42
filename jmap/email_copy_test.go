package jmap

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

const sharedUser = "team@example.org"

// staticAccess shares accounts by a fixed table.
type staticAccess map[string][]string

func (s staticAccess) SharedAccounts(_ context.Context, p string) ([]string, error) {
	return s[p], nil
}

// sharedEnv is an env whose user may also use the team account.
func sharedEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t, func(o *Options) {
		o.Access = staticAccess{testUser: {sharedUser, "missing@example.org"}}
	})
	if err := e.ms.CreateAccount(context.Background(), sharedUser); err != nil {
		t.Fatal(err)
	}
	return e, accountID(sharedUser)
}

func errType(rs []any, i int) any {
	r := rs[i].([]any)
	if r[0] != "error" {
		return r
	}
	return r[1].(map[string]any)["type"]
}

// TestSharedAccountSession checks that a shared account is listed with
// the mail capability only and refuses the owner's methods.
func TestSharedAccountSession(t *testing.T) {
	e, team := sharedEnv(t)
	code, body := e.get(PathSession)
	var s session
	if err := json.Unmarshal(body, &s); err != nil || code != 200 {
		t.Fatalf("session %d %s", code, body)
	}
	acc, ok := s.Accounts[team]
	if !ok || acc.IsPersonal || acc.Name != sharedUser || len(s.Accounts) != 2 {
		t.Fatalf("accounts = %+v", s.Accounts)
	}
	if _, ok := acc.AccountCapabilities[CapMail]; !ok || len(acc.AccountCapabilities) != 1 {
		t.Errorf("shared capabilities = %v", acc.AccountCapabilities)
	}
	if s.PrimaryAccounts[CapMail] != e.acct {
		t.Errorf("primary = %v", s.PrimaryAccounts)
	}
	rs := e.call(
		[]any{"Mailbox/get", map[string]any{"accountId": team}, "0"},
		[]any{"Identity/get", map[string]any{"accountId": team}, "1"},
		[]any{"VacationResponse/get", map[string]any{"accountId": team}, "2"},
		[]any{"Mailbox/get", map[string]any{"accountId": accountID("missing@example.org")}, "3"},
	)
	if r := rs[0].([]any); r[0] != "Mailbox/get" ||
		len(r[1].(map[string]any)["list"].([]any)) != 6 {
		t.Errorf("Mailbox/get on the shared account = %v", r)
	}
	for i, want := range []string{ErrTypeAccountNotSupported, ErrTypeAccountNotSupported,
		ErrTypeAccountNotFound} {
		if got := errType(rs, i+1); got != want {
			t.Errorf("call %d = %v, want %s", i+1, got, want)
		}
	}
}

// TestEmailCopyAcrossAccounts copies emails from a shared account into
// the user's own (RFC 8621 section 4.7), with onSuccessDestroyOriginal,
// and checks the method's errors.
func TestEmailCopyAcrossAccounts(t *testing.T) {
	e, team := sharedEnv(t)
	ctx := context.Background()
	recv := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	d, err := e.ms.Deliver(ctx, strings.NewReader(testMessage("team news", "for all")),
		recv, []mailstore.Recipient{{Account: sharedUser}})
	if err != nil || d[0].Err != nil {
		t.Fatalf("deliver: %v %v", err, d)
	}
	orig := string(d[0].EmailID)
	if err := e.ms.SetEmailKeywords(ctx, sharedUser, d[0].EmailID, mailstore.FlagsReplace,
		[]string{"$flagged"}); err != nil {
		t.Fatal(err)
	}
	inbox, archive := e.mailboxID("INBOX"), e.mailboxID("Archive")
	teamState := e.one("Email/get", map[string]any{"accountId": team,
		"ids": []string{}})["state"].(string)

	// Errors of the whole method.
	rs := e.call(
		[]any{"Email/copy", map[string]any{"fromAccountId": accountID("eve@example.net"),
			"accountId": "ACCT", "create": map[string]any{}}, "0"},
		[]any{"Email/copy", map[string]any{"fromAccountId": "ACCT", "accountId": "ACCT",
			"create": map[string]any{}}, "1"},
		[]any{"Email/copy", map[string]any{"fromAccountId": team,
			"accountId": accountID("eve@example.net"), "create": map[string]any{}}, "2"},
		[]any{"Email/copy", map[string]any{"fromAccountId": team, "accountId": "ACCT",
			"ifFromInState": "1", "create": map[string]any{}}, "3"},
		[]any{"Email/copy", map[string]any{"fromAccountId": team, "accountId": "ACCT",
			"ifInState": "nope", "create": map[string]any{}}, "4"},
	)
	for i, want := range []string{ErrTypeFromAccountNotFound, ErrTypeInvalidArguments,
		ErrTypeAccountNotFound, ErrTypeStateMismatch, ErrTypeStateMismatch} {
		if got := errType(rs, i); got != want {
			t.Errorf("call %d = %v, want %s", i, got, want)
		}
	}

	// destroyFromIfInState that does not match: the copy is made, the
	// original stays and the implicit Email/set is an error.
	rs = e.call([]any{"Email/copy", map[string]any{"fromAccountId": team, "accountId": "ACCT",
		"create": map[string]any{"k": map[string]any{"id": orig,
			"mailboxIds": map[string]bool{archive: true}}},
		"onSuccessDestroyOriginal": true, "destroyFromIfInState": "0"}, "0"})
	if len(rs) != 2 || rs[0].([]any)[0] != "Email/copy" || errType(rs, 1) != ErrTypeStateMismatch ||
		rs[1].([]any)[2] != "0" {
		t.Fatalf("copy with a stale destroyFromIfInState = %v", rs)
	}
	if _, err := e.ms.Email(ctx, sharedUser, d[0].EmailID); err != nil {
		t.Errorf("original destroyed despite the state mismatch: %v", err)
	}

	rs = e.call(
		[]any{"Email/copy", map[string]any{"fromAccountId": team, "accountId": "ACCT",
			"ifFromInState": teamState, "destroyFromIfInState": teamState,
			"create": map[string]any{
				"c1":   map[string]any{"id": orig, "mailboxIds": map[string]bool{inbox: true}},
				"none": map[string]any{"id": "enope", "mailboxIds": map[string]bool{inbox: true}},
				"nomb": map[string]any{"id": orig},
				"bad":  map[string]any{"id": orig, "subject": "changed", "mailboxIds": map[string]bool{inbox: true}},
				"mb":   map[string]any{"id": orig, "mailboxIds": map[string]bool{"m999": true}},
			},
			"onSuccessDestroyOriginal": true}, "0"},
		[]any{"Email/get", map[string]any{"accountId": "ACCT",
			"#ids": map[string]any{"resultOf": "0", "name": "Email/copy",
				"path": "/created/*/id"},
			"properties": []string{"subject", "keywords", "receivedAt", "mailboxIds"}}, "1"},
	)
	if len(rs) != 3 {
		t.Fatalf("responses = %v", rs)
	}
	cp := rs[0].([]any)[1].(map[string]any)
	if cp["fromAccountId"] != team || cp["accountId"] != e.acct || cp["oldState"] == cp["newState"] {
		t.Errorf("Email/copy = %v", cp)
	}
	c1 := cp["created"].(map[string]any)["c1"].(map[string]any)
	for _, p := range []string{"id", "blobId", "threadId", "size"} {
		if c1[p] == nil {
			t.Errorf("created c1 lacks %s: %v", p, c1)
		}
	}
	nc := cp["notCreated"].(map[string]any)
	for cid, want := range map[string]string{"none": SetErrNotFound,
		"nomb": SetErrInvalidProps, "bad": SetErrInvalidProps, "mb": SetErrInvalidProps} {
		if got := nc[cid].(map[string]any)["type"]; got != want {
			t.Errorf("notCreated %s = %v, want %s", cid, got, want)
		}
	}
	// The implicit Email/set destroys the original, then Email/get runs.
	set := rs[1].([]any)
	if set[0] != "Email/set" || set[2] != "0" ||
		!slices.Equal(ids(set[1].(map[string]any)["destroyed"]), []string{orig}) ||
		set[1].(map[string]any)["accountId"] != team {
		t.Errorf("implicit Email/set = %v", set)
	}
	if _, err := e.ms.Email(ctx, sharedUser, d[0].EmailID); err == nil {
		t.Error("original still in the shared account")
	}
	got := rs[2].([]any)[1].(map[string]any)["list"].([]any)[0].(map[string]any)
	if got["subject"] != "team news" || got["receivedAt"] != recv.Format(time.RFC3339) {
		t.Errorf("copy = %v", got)
	}
	if kw := got["keywords"].(map[string]any); kw["$flagged"] != true || len(kw) != 1 {
		t.Errorf("copy keywords = %v", kw)
	}
	if mb := got["mailboxIds"].(map[string]any); mb[inbox] != true || len(mb) != 1 {
		t.Errorf("copy mailboxes = %v", mb)
	}
}

// TestBlobCopyAcrossAccounts copies a blob of a shared account's email
// into the user's account, where Email/import can use it.
func TestBlobCopyAcrossAccounts(t *testing.T) {
	e, team := sharedEnv(t)
	d, err := e.ms.Deliver(context.Background(),
		strings.NewReader(testMessage("blob", "body")), time.Time{},
		[]mailstore.Recipient{{Account: sharedUser}})
	if err != nil || d[0].Err != nil {
		t.Fatalf("deliver: %v %v", err, d)
	}
	blob := e.one("Email/get", map[string]any{"accountId": team, "ids": []string{string(d[0].EmailID)},
		"properties": []string{"blobId"}})["list"].([]any)[0].(map[string]any)["blobId"].(string)
	im := e.call([]any{"Email/import", map[string]any{"accountId": "ACCT", "emails": map[string]any{
		"i": map[string]any{"blobId": blob, "mailboxIds": map[string]bool{e.mailboxID("INBOX"): true}}}}, "0"})
	if nc := im[0].([]any)[1].(map[string]any)["notCreated"].(map[string]any); nc["i"] == nil {
		t.Fatalf("import of another account's blob before Blob/copy = %v", im)
	}
	bc := e.one("Blob/copy", map[string]any{"fromAccountId": team,
		"blobIds": []string{blob, "Gnope"}})
	if bc["copied"].(map[string]any)[blob] != blob ||
		bc["notCopied"].(map[string]any)["Gnope"].(map[string]any)["type"] != SetErrBlobNotFound {
		t.Fatalf("Blob/copy = %v", bc)
	}
	im = e.call([]any{"Email/import", map[string]any{"accountId": "ACCT", "emails": map[string]any{
		"i": map[string]any{"blobId": blob, "mailboxIds": map[string]bool{e.mailboxID("INBOX"): true}}}}, "0"})
	if c := im[0].([]any)[1].(map[string]any)["created"].(map[string]any); c["i"] == nil {
		t.Errorf("import after Blob/copy = %v", im)
	}
	code, _ := e.get(PathDownload + team + "/" + blob + "/m.eml")
	if code != 200 {
		t.Errorf("download from the shared account: %d", code)
	}
	code, _ = e.get(PathDownload + accountID("missing@example.org") + "/" + blob + "/m.eml")
	if code != 404 {
		t.Errorf("download from an account not shared: %d", code)
	}
}
