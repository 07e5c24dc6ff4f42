package directorytest

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/password"
)

// Factory returns a directory holding the fixture (Domains and Entries),
// configured with o. It is called several times with different options;
// it may share the provisioned data between calls.
type Factory func(t *testing.T, o directory.Options) directory.Directory

// Run runs the conformance suite against a backend.
func Run(t *testing.T, f Factory) {
	f = withFixtureCost(f)
	RunAuth(t, f)
	t.Run("Lookup", func(t *testing.T) { testLookup(t, f(t, directory.Options{})) })
	t.Run("Resolve", func(t *testing.T) { testResolve(t, f(t, directory.Options{})) })
	t.Run("ResolveOptions", func(t *testing.T) { testResolveOptions(t, f) })
	t.Run("LocalDomain", func(t *testing.T) { testLocalDomain(t, f(t, directory.Options{})) })
	t.Run("OwnsAddress", func(t *testing.T) { testOwnsAddress(t, f(t, directory.Options{})) })
}

// RunAuth runs the authentication part of the suite only, for a backend's
// other authentication modes.
func RunAuth(t *testing.T, f Factory) {
	f = withFixtureCost(f)
	t.Run("Authenticate", func(t *testing.T) { testAuthenticate(t, f(t, directory.Options{})) })
	t.Run("Timing", func(t *testing.T) {
		testTiming(t, f(t, directory.Options{RateLimit: directory.RateLimitOptions{
			Disabled: true}}))
	})
	t.Run("RateLimit", func(t *testing.T) { testRateLimit(t, f) })
}

// withFixtureCost sets the fixture's argon2 cost unless a test chose one.
func withFixtureCost(f Factory) Factory {
	return func(t *testing.T, o directory.Options) directory.Directory {
		if o.Passwords.Argon2 == (password.Argon2Params{}) {
			o.Passwords.Argon2 = Argon2
		}
		return f(t, o)
	}
}

func sorted(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	slices.Sort(out)
	return out
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func normEmails(t *testing.T, s []string) []string {
	t.Helper()
	out := make([]string, len(s))
	for i, e := range s {
		n, err := directory.NormalizeEmail(e, false)
		if err != nil {
			t.Fatalf("NormalizeEmail(%q): %v", e, err)
		}
		out[i] = n
	}
	return out
}

func testLookup(t *testing.T, d directory.Directory) {
	ctx := context.Background()
	for _, e := range Entries() {
		want := e.Principal
		t.Run(want.Name, func(t *testing.T) {
			p, err := d.Lookup(ctx, want.Name)
			if err != nil {
				t.Fatalf("Lookup(%q): %v", want.Name, err)
			}
			if p.Name != want.Name || p.Type != want.Type || p.DisplayName != want.DisplayName ||
				p.Quota != want.Quota {
				t.Errorf("Lookup(%q) = %+v, want %+v", want.Name, *p, want)
			}
			ge, we := normEmails(t, p.Emails), normEmails(t, want.Emails)
			if !sameSet(ge, we) || len(ge) == 0 || ge[0] != we[0] {
				t.Errorf("Lookup(%q).Emails = %q, want %q (primary first)", want.Name, ge, we)
			}
			if !sameSet(p.Members, want.Members) {
				t.Errorf("Lookup(%q).Members = %q, want %q", want.Name, p.Members, want.Members)
			}
			if m := MemberOf(want.Name); !sameSet(p.MemberOf, m) {
				t.Errorf("Lookup(%q).MemberOf = %q, want %q", want.Name, p.MemberOf, m)
			}
			if !sameSet(p.Roles, want.Roles) {
				t.Errorf("Lookup(%q).Roles = %q, want %q", want.Name, p.Roles, want.Roles)
			}
		})
	}
	if _, err := d.Lookup(ctx, "nobody@example.org"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("Lookup(nobody) error = %v, want ErrNotFound", err)
	}
}

var remote = netip.MustParseAddr("192.0.2.10")

func testAuthenticate(t *testing.T, d directory.Directory) {
	ctx := context.Background()
	tests := []struct {
		name, user, pass, want string
		err                    error
	}{
		{"argon2id", "alice@example.org", "alice-secret", "alice@example.org", nil},
		{"by alias", "alice.liddell@example.org", "alice-secret", "alice@example.org", nil},
		{"upper case", "ALICE@Example.Org", "alice-secret", "alice@example.org", nil},
		{"app password", "alice@example.org", "alice-app-secret", "alice@example.org", nil},
		{"bcrypt", "bob@example.org", "bob-secret", "bob@example.org", nil},
		{"ssha utf8", "joerg", "jörg-secret", "joerg", nil},
		{"by idna address", "jörg@xn--bcher-kva.example", "jörg-secret", "joerg", nil},
		{"sha512-crypt", "admin@example.org", "admin-secret", "admin@example.org", nil},
		{"ssha512", "postmaster@example.net", "post-secret", "postmaster@example.net", nil},
		{"wrong", "alice@example.org", "alice-secre", "", directory.ErrInvalidCredentials},
		{"other's", "alice@example.org", "bob-secret", "", directory.ErrInvalidCredentials},
		{"empty", "alice@example.org", "", "", directory.ErrInvalidCredentials},
		{"missing", "nobody@example.org", "x", "", directory.ErrInvalidCredentials},
		{"group", "sales", "", "", directory.ErrInvalidCredentials},
		{"catch-all", "someone@example.net", "post-secret", "", directory.ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := d.Authenticate(ctx, directory.Credentials{Username: tc.user,
				Password: tc.pass, Remote: remote})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Authenticate(%q, %q) error = %v, want %v",
						tc.user, tc.pass, err, tc.err)
				}
				return
			}
			if err != nil || p.Name != tc.want {
				t.Fatalf("Authenticate(%q, %q) = %v, %v, want %q",
					tc.user, tc.pass, p, err, tc.want)
			}
		})
	}
}

// testTiming checks that a missing account costs about as much as a
// wrong password for an existing one (a verification against a dummy
// hash). The two are measured in turn and the fastest of each kept, with
// a wide margin and three tries for a busy machine.
func testTiming(t *testing.T, d directory.Directory) {
	ctx := context.Background()
	once := func(user string) time.Duration {
		start := time.Now()
		_, err := d.Authenticate(ctx, directory.Credentials{Username: user,
			Password: "wrong", Remote: netip.MustParseAddr("192.0.2.99")})
		if !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Fatalf("Authenticate(%q, wrong) error = %v", user, err)
		}
		return time.Since(start)
	}
	var present, missing time.Duration
	for try := 0; try < 3; try++ {
		present, missing = time.Duration(1<<62), time.Duration(1<<62)
		for i := 0; i < 8; i++ {
			present = min(present, once("alice@example.org"))
			missing = min(missing, once("nobody@example.org"))
		}
		if missing >= present/4 {
			return
		}
	}
	t.Errorf("missing account took %v, existing %v: existence shows", missing, present)
}

func testRateLimit(t *testing.T, f Factory) {
	ctx := context.Background()
	const slow = 50 * time.Millisecond
	d := f(t, directory.Options{RateLimit: directory.RateLimitOptions{
		PerAddress:        directory.Rate{Burst: 4, Every: time.Hour},
		PerAccountAddress: directory.Rate{Burst: 2, Every: time.Hour},
		PerAccount:        directory.Rate{Burst: 5, Every: time.Hour},
		SlowStep:          slow, MaxSlowdown: 2 * slow}})
	auth := func(user, pass, from string) error {
		_, err := d.Authenticate(ctx, directory.Credentials{Username: user,
			Password: pass, Remote: netip.MustParseAddr(from)})
		return err
	}
	fail := func(user, from string) {
		t.Helper()
		if err := auth(user, "bad", from); !errors.Is(err, directory.ErrInvalidCredentials) {
			t.Fatalf("bad password for %s from %s: error = %v", user, from, err)
		}
	}
	fail("bob@example.org", "198.51.100.1")
	fail("bob@example.org", "198.51.100.1")
	if err := auth("bob@example.org", "bob-secret", "198.51.100.1"); !errors.Is(err,
		directory.ErrRateLimited) {
		t.Fatalf("3rd attempt for one account from one address: error = %v, "+
			"want ErrRateLimited", err)
	}
	// The lockout holds for that address only: the owner elsewhere and
	// other accounts from the same address go on.
	if err := auth("bob@example.org", "bob-secret", "198.51.100.2"); err != nil {
		t.Fatalf("owner from another address: %v", err)
	}
	if err := auth("alice@example.org", "alice-secret", "198.51.100.1"); err != nil {
		t.Fatalf("other account from the locked pair's address: %v", err)
	}
	fail("carol@example.org", "198.51.100.1")
	fail("dave@example.org", "198.51.100.1")
	if err := auth("alice@example.org", "alice-secret", "198.51.100.1"); !errors.Is(err,
		directory.ErrRateLimited) {
		t.Fatalf("address past PerAddress: error = %v, want ErrRateLimited", err)
	}

	// Failures for bob from many addresses pass the account's cap: the
	// owner is slowed down, not locked out.
	for _, from := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3",
		"203.0.113.4"} {
		fail("bob@example.org", from)
	}
	start := time.Now()
	if err := auth("bob@example.org", "bob-secret", "198.51.100.9"); err != nil {
		t.Fatalf("owner after failures from many addresses: %v", err)
	}
	if took := time.Since(start); took < slow {
		t.Errorf("attempt past the account cap took %v, want at least %v", took, slow)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := d.Authenticate(cctx, directory.Credentials{Username: "bob@example.org",
		Password: "bob-secret", Remote: netip.MustParseAddr("198.51.100.9")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("slowed attempt with an ended context: error = %v, want context.Canceled",
			err)
	}
}
