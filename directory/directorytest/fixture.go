package directorytest

import (
	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/password"
)

// Entry is one principal of the fixture with its credentials.
type Entry struct {
	// Principal is the principal as Lookup must return it, but for
	// MemberOf, which MemberOf computes from the groups' Members.
	Principal directory.Principal
	// Password is the plain password, empty when the principal has none.
	Password string
	// Secret is the stored form of Password, made by another tool (named
	// in the comment of each entry).
	Secret string
	// AppPassword is a plain app password, empty when there is none.
	AppPassword string
	// AppSecret is the stored form of AppPassword.
	AppSecret string
}

// Argon2 is the cost of the fixture's argon2id hash; Run configures the
// directories under test with it, so that the dummy verification of a
// missing account costs what a real one does.
var Argon2 = password.Argon2Params{Time: 1, Memory: 1024, Threads: 1}

// Domains are the fixture's local domains, as a host would write them.
var Domains = []string{"example.org", "example.net", "bücher.example"}

// ExternalMember is a list member outside every local domain.
const ExternalMember = "friend@elsewhere.test"

// Entries returns the fixture: the same principals for every backend.
func Entries() []Entry {
	return []Entry{
		{
			Principal: directory.Principal{Name: "alice@example.org",
				DisplayName: "Alice Liddell", Quota: 1 << 30,
				Emails: []string{"alice@example.org", "alice.liddell@example.org"},
				Roles:  []string{directory.RoleUser}},
			Password: "alice-secret",
			// argon2 CLI 20190702: echo -n alice-secret | argon2
			// fixturesalt01234 -id -t 1 -k 1024 -p 1 -e
			Secret: "$argon2id$v=19$m=1024,t=1,p=1$Zml4dHVyZXNhbHQwMTIzNA$" +
				"SY0H0pUeLOJSoT21O7y/wS2R1kwSifcUHyG4a80hrlE",
			AppPassword: "alice-app-secret",
			// doveadm pw -s SSHA256 -p alice-app-secret (Dovecot 2.3.19)
			AppSecret: "{SSHA256}nAiJ7MVdDbJlamLMUBV5Pe6oEvMBN87XSOB/KtfLJZ5Wxh+h",
		},
		{
			Principal: directory.Principal{Name: "bob@example.org",
				DisplayName: "Bob", Emails: []string{"bob@example.org"},
				Roles: []string{directory.RoleUser}},
			Password: "bob-secret",
			// mkpasswd -m bcrypt bob-secret (Debian whois 5.5.17)
			Secret: "$2b$05$b7cmmyJNV574gU.fLNAGAupdV9unV2GhxFfuvuowzRmDnj.yS73Sa",
		},
		{
			Principal: directory.Principal{Name: "joerg", DisplayName: "Jörg",
				Emails: []string{"jörg@bücher.example"}, Roles: []string{directory.RoleUser}},
			Password: "jörg-secret",
			// slappasswd -h {SSHA} -s jörg-secret (OpenLDAP 2.5)
			Secret: "{SSHA}CxjmP/NyNxFEc68V6z36wYxRL5umtAP+",
		},
		{
			Principal: directory.Principal{Name: "admin@example.org",
				Emails: []string{"admin@example.org"},
				Roles:  []string{directory.RoleUser, directory.RoleAdmin}},
			Password: "admin-secret",
			// mkpasswd -m sha512crypt admin-secret (Debian whois 5.5.17)
			Secret: "$6$DxEyfLR0/j3glsaE$gB39Z4R7z140z.KZuukUG8qhAjyD3eY4BZe/4V/./" +
				"HB/vhL13dGdb.0aJy9WC00YOTdyYqHK/.gwYS1u2TEve1",
		},
		{
			Principal: directory.Principal{Name: "postmaster@example.net",
				Emails: []string{"postmaster@example.net", "@example.net"},
				Roles:  []string{directory.RoleUser}},
			Password: "post-secret",
			// doveadm pw -s SSHA512 -p post-secret (Dovecot 2.3.19)
			Secret: "{SSHA512}+qNYCQrvK5cppukhvxX8ndpS9Ml0n7BpqaYDa5W+xvEqi4QNL8AOOo7" +
				"tRtyAwszGfDWSeWCnI64N3MTVRjrbRyyPSNg=",
		},
		{Principal: directory.Principal{Name: "sales", Type: directory.Group,
			DisplayName: "Sales", Emails: []string{"sales@example.org"},
			Members: []string{"alice@example.org", "bob@example.org"}}},
		{Principal: directory.Principal{Name: "team", Type: directory.List,
			Emails:  []string{"team@example.org"},
			Members: []string{"sales", "joerg", ExternalMember, "loop"}}},
		{Principal: directory.Principal{Name: "loop", Type: directory.List,
			Emails:  []string{"loop@example.org"},
			Members: []string{"team", "admin@example.org"}}},
		deep("deep1", "deep2"), deep("deep2", "deep3"), deep("deep3", "deep4"),
		deep("deep4", "alice@example.org"),
	}
}

// deep makes one link of a chain of lists four deep.
func deep(name, member string) Entry {
	return Entry{Principal: directory.Principal{Name: name, Type: directory.List,
		Emails: []string{name + "@example.org"}, Members: []string{member}}}
}

// Find returns the entry of a principal name.
func Find(name string) (Entry, bool) {
	for _, e := range Entries() {
		if e.Principal.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// MemberOf returns the names of the fixture's groups and lists that have
// name as a member.
func MemberOf(name string) []string {
	var out []string
	for _, e := range Entries() {
		for _, m := range e.Principal.Members {
			if m == name {
				out = append(out, e.Principal.Name)
			}
		}
	}
	return out
}
