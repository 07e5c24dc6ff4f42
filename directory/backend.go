package directory

import "context"

// Backend is what a directory store provides: principals, their secrets,
// the address index and the local domains. Core builds a full Directory
// (authentication, rate limiting, address resolution) on top of it, so
// that every backend resolves addresses the same way.
//
// Addresses passed to a backend are normalised: the domain in lower-case
// A-label form (IDNA), the local part lower-cased unless the directory is
// configured case-sensitive. A backend that stores U-label domains is
// asked again with the U-label form.
type Backend interface {
	// Principal returns the principal with the login name, or
	// ErrNotFound.
	Principal(ctx context.Context, name string) (*Principal, error)

	// Secrets returns the stored secrets of the principal (password
	// hashes and app passwords), or ErrNotFound.
	Secrets(ctx context.Context, name string) ([]Secret, error)

	// ByAddress returns the names of the principals that hold address as
	// their primary address or an alias; "@domain" asks for the domain's
	// catch-all. No match is an empty result, not an error.
	ByAddress(ctx context.Context, address string) ([]string, error)

	// HasDomain reports whether domain is served here.
	HasDomain(ctx context.Context, domain string) (bool, error)
}

// PasswordChecker is the optional ability of a Backend to check a
// password itself, as an LDAP bind does, instead of handing out its
// secrets. Core prefers it over Secrets when present.
type PasswordChecker interface {
	// CheckPassword returns the principal when the password is right,
	// ErrInvalidCredentials when it is wrong, and ErrNotFound when no
	// such account exists.
	CheckPassword(ctx context.Context, name, password string) (*Principal, error)
}

// Secret is one stored credential of a principal.
type Secret struct {
	// Hash is the stored form: a PHC or crypt(3) string or a {SCHEME}
	// prefixed value, as package password reads them.
	Hash string
	// App marks an app password: valid for mail protocols, never for
	// administration.
	App bool
	// Label names an app password for its owner ("phone").
	Label string
}
