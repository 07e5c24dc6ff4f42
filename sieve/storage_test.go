package sieve

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/store/memory"
)

func TestStorage(t *testing.T) {
	ctx := context.Background()
	s := NewStorage(memory.New(), StorageOptions{MaxScripts: 2, MaxScriptSize: 200})
	const acct = "alice@example.org"
	if _, err := s.Put(ctx, acct, "a", `require "fileinto"; fileinto "x";`); err != nil {
		t.Fatalf("Put(a) = %v", err)
	}
	_, err := s.Put(ctx, acct, "bad", "if true {\n  frobnicate;\n}\n")
	var el *ErrorList
	if !errors.As(err, &el) || el.Errors[0].Pos.Line != 2 || el.Errors[0].Pos.Col != 3 {
		t.Fatalf("Put(bad) = %v, want error at 2:3", err)
	}
	if _, err := s.Put(ctx, acct, "big", strings.Repeat("#", 300)); !errors.Is(err, ErrQuota) {
		t.Errorf("Put(big) = %v, want ErrQuota", err)
	}
	if _, err := s.Put(ctx, acct, "b", "keep;"); err != nil {
		t.Fatalf("Put(b) = %v", err)
	}
	if _, err := s.Put(ctx, acct, "c", "keep;"); !errors.Is(err, ErrQuota) {
		t.Errorf("Put(c) over MaxScripts = %v, want ErrQuota", err)
	}
	if err := s.Activate(ctx, acct, "a"); err != nil {
		t.Fatalf("Activate = %v", err)
	}
	if err := s.Delete(ctx, acct, "a"); !errors.Is(err, ErrActiveScript) {
		t.Errorf("Delete(active) = %v, want ErrActiveScript", err)
	}
	if err := s.Rename(ctx, acct, "a", "b"); !errors.Is(err, ErrScriptExists) {
		t.Errorf("Rename onto existing = %v, want ErrScriptExists", err)
	}
	if err := s.Rename(ctx, acct, "a", "main"); err != nil {
		t.Fatalf("Rename = %v", err)
	}
	list, err := s.List(ctx, acct)
	if err != nil || len(list) != 2 || list[1].Name != "main" || !list[1].Active {
		t.Fatalf("List = %+v, %v", list, err)
	}
	sc, name, err := s.Active(ctx, acct)
	if err != nil || name != "main" || sc == nil {
		t.Fatalf("Active = %v %q %v", sc, name, err)
	}
	again, _, _ := s.Active(ctx, acct)
	if again != sc {
		t.Errorf("Active did not reuse the cached compiled script")
	}
	if err := s.Activate(ctx, acct, ""); err != nil {
		t.Fatalf("deactivate = %v", err)
	}
	if sc, _, _ := s.Active(ctx, acct); sc != nil {
		t.Errorf("Active after deactivation = %v, want nil", sc)
	}
	if err := s.Delete(ctx, acct, "main"); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if _, err := s.Get(ctx, acct, "main"); !errors.Is(err, ErrNoScript) {
		t.Errorf("Get(deleted) = %v, want ErrNoScript", err)
	}
	w, err := s.Put(ctx, acct, "inc", `require "include"; include "missing";`)
	if err != nil || len(w) != 1 || !strings.Contains(w[0].Msg, "does not exist") {
		t.Errorf("Put(include of missing script) = %v, %v; want one warning", w, err)
	}
	if _, err := s.Put(ctx, acct, "bad\x01name", "keep;"); !errors.Is(err, ErrBadName) {
		t.Errorf("Put(bad name) = %v, want ErrBadName", err)
	}
}
