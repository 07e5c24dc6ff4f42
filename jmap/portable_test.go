package jmap

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// TestAccountDataMoves exports identities and a vacation response from
// one handler's store and imports them into another's, which serves them
// as they were and draws new identity ids past the imported ones.
func TestAccountDataMoves(t *testing.T) {
	ctx := context.Background()
	src := newEnv(t, nil)
	src.one("Identity/set", map[string]any{"create": map[string]any{
		"a": map[string]any{"email": testUser, "name": "Work", "textSignature": "-- A"}}})
	src.one("VacationResponse/set", map[string]any{"update": map[string]any{
		"singleton": map[string]any{"isEnabled": true, "subject": "away",
			"textBody": "Back on Monday."}}})
	want := src.one("Identity/get", map[string]any{})["list"]
	wantVac := src.one("VacationResponse/get", map[string]any{})["list"]

	d, err := ExportAccountData(ctx, src.h.data.kv, testUser)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Identities) != 2 || d.Vacation == nil {
		t.Fatalf("exported %d identities, vacation %s", len(d.Identities), d.Vacation)
	}
	dst := newEnv(t, nil)
	if err := ImportAccountData(ctx, dst.h.data.kv, testUser, d); err != nil {
		t.Fatal(err)
	}
	got := dst.one("Identity/get", map[string]any{})["list"]
	if !sameIdentities(got, want) {
		t.Fatalf("identities %v, want %v", got, want)
	}
	if gotVac := dst.one("VacationResponse/get", map[string]any{})["list"]; !reflect.DeepEqual(
		gotVac, wantVac) {
		t.Fatalf("vacation %v, want %v", gotVac, wantVac)
	}
	set := dst.one("Identity/set", map[string]any{"create": map[string]any{
		"n": map[string]any{"email": testUser, "name": "New"}}})
	id := set["created"].(map[string]any)["n"].(map[string]any)["id"].(string)
	for _, o := range want.([]any) {
		if o.(map[string]any)["id"] == id {
			t.Fatalf("new identity reuses imported id %s", id)
		}
	}
}

// sameIdentities compares two Identity/get lists whatever their order.
func sameIdentities(a, b any) bool {
	byID := func(l any) map[any]any {
		out := map[any]any{}
		for _, o := range l.([]any) {
			out[o.(map[string]any)["id"]] = o
		}
		return out
	}
	return reflect.DeepEqual(byID(a), byID(b))
}

func TestImportAccountDataRefusesBadObjects(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	cases := map[string]AccountData{
		"no id":    {Identities: []json.RawMessage{json.RawMessage(`{"email":"a@example.org"}`)}},
		"bad id":   {Identities: []json.RawMessage{json.RawMessage(`{"id":"a/b","email":"a@b"}`)}},
		"no email": {Identities: []json.RawMessage{json.RawMessage(`{"id":"i9"}`)}},
		"not json": {Vacation: json.RawMessage(`{"isEnabled":`)},
		"too many": {Identities: make([]json.RawMessage, MaxPortableIdentities+1)},
	}
	for name, d := range cases {
		if err := ImportAccountData(ctx, e.h.data.kv, testUser, d); !errors.Is(err,
			ErrBadAccountData) {
			t.Errorf("%s: %v, want ErrBadAccountData", name, err)
		}
	}
	got, err := ExportAccountData(ctx, e.h.data.kv, testUser)
	if err != nil || len(got.Identities) != 0 || got.Vacation != nil {
		t.Fatalf("after refusals: %+v %v", got, err)
	}
}
