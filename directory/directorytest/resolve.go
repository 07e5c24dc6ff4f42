package directorytest

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
)

type resolveCase struct {
	addr     string
	accounts []string
	external []string
	tag      string
	local    bool
	err      error
}

func checkResolve(t *testing.T, d directory.Directory, tc resolveCase) {
	t.Helper()
	got, err := d.Resolve(context.Background(), tc.addr)
	if tc.err != nil || err != nil {
		if !errors.Is(err, tc.err) {
			t.Errorf("Resolve(%q) error = %v, want %v", tc.addr, err, tc.err)
		}
		return
	}
	if !sameSet(got.Accounts, tc.accounts) || !sameSet(got.External, tc.external) ||
		got.Tag != tc.tag || got.Local != tc.local {
		t.Errorf("Resolve(%q) = %+v, want accounts %q external %q tag %q local %v",
			tc.addr, got, tc.accounts, tc.external, tc.tag, tc.local)
	}
}

func testResolve(t *testing.T, d directory.Directory) {
	alice, bob := "alice@example.org", "bob@example.org"
	team := []string{alice, bob, "joerg", "admin@example.org"}
	tests := map[string]resolveCase{
		"exact": {addr: alice, accounts: []string{alice}, local: true},
		"alias": {addr: "alice.liddell@example.org", accounts: []string{alice},
			local: true},
		"case":           {addr: "ALICE@Example.ORG", accounts: []string{alice}, local: true},
		"angle brackets": {addr: "<bob@example.org>", accounts: []string{bob}, local: true},
		"subaddress": {addr: "alice+news@example.org", accounts: []string{alice},
			tag: "news", local: true},
		"subaddress alias": {addr: "alice.liddell+x+y@example.org",
			accounts: []string{alice}, tag: "x+y", local: true},
		"group": {addr: "sales@example.org", accounts: []string{alice, bob}, local: true},
		"list with loop": {addr: "team@example.org", accounts: team,
			external: []string{ExternalMember}, local: true},
		"loop entry": {addr: "loop@example.org", accounts: team,
			external: []string{ExternalMember}, local: true},
		"deep chain": {addr: "deep1@example.org", accounts: []string{alice}, local: true},
		"catch-all": {addr: "anyone@example.net", accounts: []string{"postmaster@example.net"},
			local: true},
		"catch-all keeps tag": {addr: "anyone+t@example.net",
			accounts: []string{"postmaster@example.net"}, tag: "t", local: true},
		"unknown local":  {addr: "nobody@example.org", local: true},
		"unknown tagged": {addr: "nobody+x@example.org", local: true},
		"foreign":        {addr: "alice@example.com"},
		"utf8 idna a-label": {addr: "jörg@xn--bcher-kva.example", accounts: []string{"joerg"},
			local: true},
		"utf8 idna u-label upper": {addr: "JÖRG@BÜCHER.example",
			accounts: []string{"joerg"}, local: true},
		"utf8 nfd": {addr: "jo\u0308rg@bücher.example", accounts: []string{"joerg"},
			local: true},
		"quoted local":  {addr: `"bob"@example.org`, accounts: []string{bob}, local: true},
		"trailing dot":  {addr: "bob@example.org.", accounts: []string{bob}, local: true},
		"no domain":     {addr: "bob", err: directory.ErrMalformed},
		"empty local":   {addr: "@example.org", err: directory.ErrMalformed},
		"control chars": {addr: "bo\x01b@example.org", err: directory.ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { checkResolve(t, d, tc) })
	}
}

func testResolveOptions(t *testing.T, f Factory) {
	alice := []string{"alice@example.org"}
	t.Run("depth limit", func(t *testing.T) {
		d := f(t, directory.Options{MaxExpansionDepth: 3})
		checkResolve(t, d, resolveCase{addr: "deep1@example.org",
			err: directory.ErrExpansionLimit})
		checkResolve(t, d, resolveCase{addr: "deep2@example.org", accounts: alice,
			local: true})
	})
	t.Run("expansion limit", func(t *testing.T) {
		d := f(t, directory.Options{MaxExpansion: 3})
		checkResolve(t, d, resolveCase{addr: "team@example.org",
			err: directory.ErrExpansionLimit})
		checkResolve(t, d, resolveCase{addr: "sales@example.org",
			accounts: []string{"alice@example.org", "bob@example.org"}, local: true})
	})
	t.Run("separator", func(t *testing.T) {
		d := f(t, directory.Options{SubaddressSeparators: "-"})
		checkResolve(t, d, resolveCase{addr: "alice-x@example.org", accounts: alice,
			tag: "x", local: true})
		checkResolve(t, d, resolveCase{addr: "alice+x@example.org", local: true})
	})
	t.Run("no subaddressing", func(t *testing.T) {
		d := f(t, directory.Options{NoSubaddressing: true})
		checkResolve(t, d, resolveCase{addr: "alice+x@example.org", local: true})
	})
	t.Run("case-sensitive", func(t *testing.T) {
		d := f(t, directory.Options{CaseSensitive: true})
		checkResolve(t, d, resolveCase{addr: "Alice@example.org", local: true})
		checkResolve(t, d, resolveCase{addr: "alice@EXAMPLE.org", accounts: alice,
			local: true})
	})
	t.Run("address length", func(t *testing.T) {
		d := f(t, directory.Options{MaxAddressLength: 20})
		checkResolve(t, d, resolveCase{addr: "alice.liddell@example.org",
			err: directory.ErrMalformed})
		checkResolve(t, d, resolveCase{addr: "bob@example.org",
			accounts: []string{"bob@example.org"}, local: true})
	})
}

func testLocalDomain(t *testing.T, d directory.Directory) {
	tests := map[string]bool{
		"example.org": true, "EXAMPLE.ORG": true, "example.org.": true,
		"bücher.example": true, "xn--bcher-kva.example": true, "BÜCHER.EXAMPLE": true,
		"example.com": false, "sub.example.org": false, "": false, "a b": false,
	}
	for dom, want := range tests {
		got, err := d.IsLocalDomain(context.Background(), dom)
		if err != nil || got != want {
			t.Errorf("IsLocalDomain(%q) = %v, %v, want %v", dom, got, err, want)
		}
	}
}

func testOwnsAddress(t *testing.T, d directory.Directory) {
	tests := []struct {
		who, addr string
		want      bool
	}{
		{"alice@example.org", "alice@example.org", true},
		{"alice@example.org", "Alice.Liddell@example.org", true},
		{"alice@example.org", "alice+lists@example.org", true},
		{"alice@example.org", "sales@example.org", true},
		{"alice@example.org", "team@example.org", false},
		{"alice@example.org", "bob@example.org", false},
		{"alice@example.org", "alice@example.com", false},
		{"bob@example.org", "alice@example.org", false},
		{"joerg", "JÖRG@xn--bcher-kva.example", true},
		{"postmaster@example.net", "whoever@example.net", true},
		{"postmaster@example.net", "whoever@example.org", false},
		{"nobody", "nobody@example.org", false},
		{"alice@example.org", "not an address", false},
	}
	for _, tc := range tests {
		got, err := d.OwnsAddress(context.Background(), tc.who, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("OwnsAddress(%q, %q) = %v, %v, want %v", tc.who, tc.addr, got, err, tc.want)
		}
	}
}
