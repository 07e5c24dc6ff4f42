package local_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/store/memory"
)

func newEmpty(t *testing.T) *local.Directory {
	t.Helper()
	return newFixture(t, memory.New(), directory.Options{
		Passwords: password.Options{Argon2: password.Argon2Params{Time: 1, Memory: 64}}})
}

func auth(d *local.Directory, user, pw string) (*directory.Principal, error) {
	return d.Authenticate(context.Background(), directory.Credentials{Username: user,
		Password: pw})
}

func TestCreateConflicts(t *testing.T) {
	ctx := context.Background()
	d := newEmpty(t)
	a := directory.Principal{Name: "Alice@Example.org", Emails: []string{"Alice@Example.org"}}
	if err := d.CreatePrincipal(ctx, a, "pw"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    directory.Principal
		err  error
	}{
		{"same name other case", directory.Principal{Name: "ALICE@example.org"},
			directory.ErrExists},
		{"taken address", directory.Principal{Name: "x", Emails: []string{"alice@EXAMPLE.org"}},
			directory.ErrExists},
		{"empty name", directory.Principal{Name: " "}, directory.ErrInvalid},
		{"space in name", directory.Principal{Name: "a b"}, directory.ErrInvalid},
		{"bad address", directory.Principal{Name: "y", Emails: []string{"nope"}},
			directory.ErrInvalid},
		{"negative quota", directory.Principal{Name: "z", Quota: -1}, directory.ErrInvalid},
		{"missing group", directory.Principal{Name: "w", MemberOf: []string{"nogroup"}},
			directory.ErrNotFound},
	}
	for _, tc := range tests {
		if err := d.CreatePrincipal(ctx, tc.p, ""); !errors.Is(err, tc.err) {
			t.Errorf("%s: CreatePrincipal error = %v, want %v", tc.name, err, tc.err)
		}
	}
	// A failed create leaves nothing behind.
	if _, err := d.Lookup(ctx, "w"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("Lookup(w) after failed create: %v", err)
	}
	if p, err := d.Lookup(ctx, "alice@example.org"); err != nil ||
		p.Emails[0] != "alice@example.org" {
		t.Errorf("Lookup = %v, %v, want normalised name and address", p, err)
	}
}

func TestUpdateDelete(t *testing.T) {
	ctx := context.Background()
	d := newEmpty(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.CreatePrincipal(ctx, directory.Principal{Name: "g", Type: directory.Group,
		Emails: []string{"g@example.org"}}, ""))
	must(d.CreatePrincipal(ctx, directory.Principal{Name: "bob", MemberOf: []string{"g"},
		Emails: []string{"bob@example.org", "old@example.org"}}, "pw"))
	g, _ := d.Lookup(ctx, "g")
	if !slices.Equal(g.Members, []string{"bob"}) {
		t.Fatalf("group members = %q, want [bob]", g.Members)
	}
	p, _ := d.Lookup(ctx, "bob")
	p.Emails = []string{"bob@example.org", "new@example.org"}
	p.MemberOf = []string{}
	p.Quota = 5
	must(d.UpdatePrincipal(ctx, *p))
	r, _ := d.Resolve(ctx, "old@example.org")
	if len(r.Accounts) != 0 {
		t.Errorf("old alias still resolves: %+v", r)
	}
	r, _ = d.Resolve(ctx, "new@example.org")
	if !slices.Equal(r.Accounts, []string{"bob"}) {
		t.Errorf("new alias resolves to %+v", r)
	}
	if g, _ = d.Lookup(ctx, "g"); len(g.Members) != 0 {
		t.Errorf("group members after leaving = %q", g.Members)
	}
	if _, err := auth(d, "bob", "pw"); err != nil {
		t.Errorf("password lost by update: %v", err)
	}
	must(d.UpdatePrincipal(ctx, directory.Principal{Name: "bob", MemberOf: []string{"g"}}))
	must(d.DeletePrincipal(ctx, "BOB"))
	if g, _ = d.Lookup(ctx, "g"); len(g.Members) != 0 {
		t.Errorf("group members after delete = %q", g.Members)
	}
	if err := d.DeletePrincipal(ctx, "bob"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second delete error = %v, want ErrNotFound", err)
	}
	if err := d.UpdatePrincipal(ctx, directory.Principal{Name: "bob"}); !errors.Is(err,
		directory.ErrNotFound) {
		t.Errorf("update of deleted error = %v, want ErrNotFound", err)
	}
	list, err := d.ListPrincipals(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "g" {
		t.Errorf("ListPrincipals = %v, %v, want [g]", list, err)
	}
}

func TestPasswords(t *testing.T) {
	ctx := context.Background()
	d := newEmpty(t)
	if err := d.CreatePrincipal(ctx, directory.Principal{Name: "u"}, "one"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPassword(ctx, "u", "two"); err != nil {
		t.Fatal(err)
	}
	if _, err := auth(d, "u", "one"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("old password: %v", err)
	}
	if _, err := auth(d, "u", "two"); err != nil {
		t.Errorf("new password: %v", err)
	}
	app, secret, err := d.AddAppPassword(ctx, "u", "phone")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth(d, "u", secret); err != nil {
		t.Errorf("app password: %v", err)
	}
	list, _ := d.AppPasswords(ctx, "u")
	if len(list) != 1 || list[0].Label != "phone" || list[0].ID != app.ID {
		t.Errorf("AppPasswords = %+v", list)
	}
	s, _ := d.Secrets(ctx, "u")
	for _, x := range s {
		if x.Hash == secret || x.Hash == "two" {
			t.Errorf("secret stored in clear: %+v", x)
		}
	}
	if err := d.RemoveAppPassword(ctx, "u", app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth(d, "u", secret); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("removed app password: %v", err)
	}
	if err := d.RemoveAppPassword(ctx, "u", app.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second removal error = %v", err)
	}
	if err := d.SetPassword(ctx, "ghost", "x"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("SetPassword(ghost) error = %v", err)
	}
}

func TestDomains(t *testing.T) {
	ctx := context.Background()
	d := newEmpty(t)
	for _, dom := range []string{"Bücher.Example", "example.org"} {
		if err := d.AddDomain(ctx, dom); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.AddDomain(ctx, "bad..domain"); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("AddDomain(bad) error = %v", err)
	}
	got, _ := d.Domains(ctx)
	if !slices.Equal(got, []string{"example.org", "xn--bcher-kva.example"}) {
		t.Errorf("Domains = %q", got)
	}
	// Creating a principal adds the domains of its addresses.
	if err := d.CreatePrincipal(ctx, directory.Principal{Name: "n",
		Emails: []string{"n@new.example"}}, ""); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.IsLocalDomain(ctx, "NEW.example"); !ok {
		t.Error("address domain not added")
	}
	if err := d.RemoveDomain(ctx, "new.example"); err != nil {
		t.Fatal(err)
	}
	if r, _ := d.Resolve(ctx, "n@new.example"); r.Local || len(r.Accounts) != 0 {
		t.Errorf("Resolve after RemoveDomain = %+v", r)
	}
}

func TestListMemberAddresses(t *testing.T) {
	ctx := context.Background()
	d := newEmpty(t)
	for _, p := range []directory.Principal{
		{Name: "a", Emails: []string{"a@example.org", "a2@example.org"}},
		{Name: "l", Type: directory.List, Emails: []string{"l@example.org"},
			Members: []string{"A2@example.org", "x@remote.test", "l@example.org",
				"nobody@example.org", "not an address"}},
	} {
		if err := d.CreatePrincipal(ctx, p, ""); err != nil {
			t.Fatal(err)
		}
	}
	r, err := d.Resolve(ctx, "l@example.org")
	if err != nil || !slices.Equal(r.Accounts, []string{"a"}) ||
		!slices.Equal(r.External, []string{"x@remote.test"}) {
		t.Errorf("Resolve(list) = %+v, %v", r, err)
	}
}
