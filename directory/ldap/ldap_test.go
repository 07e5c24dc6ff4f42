package ldap_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/directorytest"
	dirldap "github.com/bulwarkmail/bulwark/directory/ldap"
)

// options configure a directory over the test tree.
func options(s *slapd, mode dirldap.AuthMode, o directory.Options) dirldap.Options {
	return dirldap.Options{
		URL: s.url, BindDN: adminDN, BindPassword: adminPW, BaseDN: baseDN,
		AddressFilter: "(bulwarkMail=%s)",
		Auth:          mode,
		BindTemplate:  "uid=%s,ou=people," + baseDN,
		Attributes: dirldap.Attributes{Emails: []string{"bulwarkMail"},
			Quota: "bulwarkQuota", Roles: "bulwarkRole",
			MemberValues: []string{"bulwarkMember"}, ListClasses: []string{"bulwarkList"}},
		Directory: o,
	}
}

func open(t *testing.T, o dirldap.Options) *dirldap.Directory {
	t.Helper()
	d, err := dirldap.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLDAP(t *testing.T) {
	s := startSlapd(t)
	loadTree(t, s)
	modes := map[string]dirldap.AuthMode{"lookup-bind": dirldap.LookupBind,
		"bind": dirldap.Bind, "secrets": dirldap.Secrets}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			f := func(t *testing.T, o directory.Options) directory.Directory {
				return open(t, options(s, mode, o))
			}
			if mode == dirldap.LookupBind {
				directorytest.Run(t, f)
			} else {
				directorytest.RunAuth(t, f)
			}
		})
	}
	t.Run("TLS", func(t *testing.T) { testTLS(t, s) })
	t.Run("Injection", func(t *testing.T) { testInjection(t, s) })
	t.Run("Pool", func(t *testing.T) { testPool(t, s) })
	t.Run("MemberOfAttribute", func(t *testing.T) {
		directorytest.Run(t, func(t *testing.T, o directory.Options) directory.Directory {
			lo := options(s, dirldap.Secrets, o)
			lo.Attributes.MemberOf = "memberOf"
			lo.DomainFilter = "(nothing=%s)"
			lo.Domains = directorytest.Domains
			return open(t, lo)
		})
	})
}

func testTLS(t *testing.T, s *slapd) {
	ctx := context.Background()
	cases := map[string]func(o *dirldap.Options){
		"ldaps":    func(o *dirldap.Options) { o.URL = s.ldapsURL; o.TLSConfig = s.tlsConfig() },
		"starttls": func(o *dirldap.Options) { o.StartTLS = true; o.TLSConfig = s.tlsConfig() },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			o := options(s, dirldap.LookupBind, directory.Options{})
			set(&o)
			d := open(t, o)
			p, err := d.Authenticate(ctx, directory.Credentials{Username: "bob@example.org",
				Password: "bob-secret"})
			if err != nil || p.Name != "bob@example.org" {
				t.Fatalf("Authenticate over %s = %v, %v", name, p, err)
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		o := options(s, dirldap.LookupBind, directory.Options{})
		o.URL = s.ldapsURL
		d := open(t, o)
		if _, err := d.Lookup(ctx, "bob@example.org"); err == nil ||
			errors.Is(err, directory.ErrNotFound) {
			t.Fatalf("Lookup with an untrusted certificate: %v, want a TLS error", err)
		}
	})
}

// testInjection checks that filter metacharacters in names and addresses
// match literally (RFC 4515 section 3).
func testInjection(t *testing.T, s *slapd) {
	ctx := context.Background()
	d := open(t, options(s, dirldap.LookupBind, directory.Options{}))
	for _, name := range []string{"*", "alice*", "*)(uid=*", "alice@example.org)(|(uid=*"} {
		if p, err := d.Lookup(ctx, name); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("Lookup(%q) = %v, %v, want ErrNotFound", name, p, err)
		}
		if _, err := d.Authenticate(ctx, directory.Credentials{Username: name,
			Password: "alice-secret"}); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Errorf("Authenticate(%q) error = %v, want ErrInvalidCredentials", name, err)
		}
	}
	for _, addr := range []string{"*@example.org", "alice*@example.org"} {
		if r, err := d.Resolve(ctx, addr); err != nil || len(r.Accounts) != 0 {
			t.Errorf("Resolve(%q) = %+v, %v, want no accounts", addr, r, err)
		}
	}
}

// testPool runs lookups from many goroutines over a pool of two.
func testPool(t *testing.T, s *slapd) {
	ctx := context.Background()
	o := options(s, dirldap.LookupBind, directory.Options{})
	o.PoolSize = 2
	d := open(t, o)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				p, err := d.Lookup(ctx, "bob@example.org")
				if err != nil || p.Name != "bob@example.org" {
					t.Errorf("Lookup = %v, %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	d2 := open(t, o)
	if _, err := d2.Lookup(cctx, "bob@example.org"); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup with a cancelled context: %v, want context.Canceled", err)
	}
}
