package directory

import (
	"context"
	"errors"
	"net/netip"
)

// Errors returned by every Directory.
var (
	// ErrNotFound is returned by Lookup when no principal has the name.
	ErrNotFound = errors.New("directory: not found")

	// ErrInvalidCredentials is returned by Authenticate and the SASL
	// servers when the name, password or token is wrong, or the account
	// does not exist: the two cases are not told apart.
	ErrInvalidCredentials = errors.New("directory: invalid credentials")

	// ErrRateLimited is returned by Authenticate and the SASL servers when
	// too many failures came recently from the remote address, or for the
	// account from that address; no password is checked while it lasts.
	ErrRateLimited = errors.New("directory: too many authentication failures")

	// ErrNotAuthorized is returned by the SASL servers when a client
	// authenticated but asked to act as another identity (the PLAIN
	// authzid) it may not use.
	ErrNotAuthorized = errors.New("directory: not authorized for that identity")

	// ErrMalformed is returned by the SASL servers for a client response
	// that breaks the mechanism's syntax, and by Resolve for an address
	// that is not addr-spec shaped.
	ErrMalformed = errors.New("directory: malformed input")

	// ErrUnsupportedMechanism is returned by NewSASLServer for a mechanism
	// the directory cannot serve.
	ErrUnsupportedMechanism = errors.New("directory: unsupported SASL mechanism")

	// ErrExpansionLimit is returned by Resolve when list expansion nests
	// deeper than Options.MaxExpansionDepth or yields more recipients than
	// Options.MaxExpansion.
	ErrExpansionLimit = errors.New("directory: list expansion limit reached")

	// ErrExists is returned by management calls that would create a
	// principal, address or domain that already exists.
	ErrExists = errors.New("directory: already exists")

	// ErrInvalid is returned by management calls for a malformed name,
	// address or domain.
	ErrInvalid = errors.New("directory: invalid value")
)

// Type is the kind of a principal.
type Type uint8

// The kinds of principal.
const (
	// Individual is a person or a service with a mailbox and a login.
	Individual Type = iota
	// Group is a set of principals that share mail (delivered to every
	// member) and may send as the group's addresses.
	Group
	// List is a mailing list: mail to it is delivered to each member,
	// which may be a principal name or any address.
	List
	// Domain is a mail domain served by this directory.
	Domain
)

// String returns the lower-case name of the type ("individual", ...).
func (t Type) String() string {
	switch t {
	case Individual:
		return "individual"
	case Group:
		return "group"
	case List:
		return "list"
	case Domain:
		return "domain"
	}
	return "unknown"
}

// ParseType maps a type name ("individual", "user", "group", "list",
// "domain", any case) to a Type.
func ParseType(s string) (Type, bool) {
	switch lowerASCII(s) {
	case "individual", "user", "person", "":
		return Individual, true
	case "group":
		return Group, true
	case "list", "mailinglist":
		return List, true
	case "domain":
		return Domain, true
	}
	return Individual, false
}

// Roles a principal may hold.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Principal is an identity the directory knows: a login, a group, a list
// or a domain.
type Principal struct {
	// Name is the unique login name, often an address such as
	// "alice@example.org". Mail stores use it as the account id.
	Name string
	// Type is the kind of principal.
	Type Type
	// DisplayName is a human-readable name, possibly empty.
	DisplayName string
	// Emails are the addresses that deliver to the principal; the first
	// is the primary address, the rest are aliases. An entry "@domain"
	// makes the principal the catch-all of that domain.
	Emails []string
	// Quota is the storage quota in bytes; zero means none.
	Quota int64
	// MemberOf names the groups and lists the principal belongs to.
	MemberOf []string
	// Members names the members of a group or list: principal names or,
	// for lists, addresses.
	Members []string
	// Roles are the principal's roles, such as RoleUser and RoleAdmin.
	Roles []string
}

// HasRole reports whether p holds the role.
func (p *Principal) HasRole(role string) bool {
	for _, r := range p.Roles {
		if lowerASCII(r) == role {
			return true
		}
	}
	return false
}

// Credentials are what a client presents to log in with a password.
type Credentials struct {
	// Username is the login name or an address of the principal.
	Username string
	// Password is the account password or one of its app passwords.
	Password string
	// Remote is the client's address, used for rate limiting; the zero
	// value groups every unknown client together.
	Remote netip.Addr
}

// TokenCredentials are what a client presents to log in with an OAuth
// 2.0 bearer token (RFC 7628).
type TokenCredentials struct {
	// Username is the identity the client claims (the SASL authzid);
	// empty means the token's own subject.
	Username string
	// Token is the bearer token.
	Token string
	// Remote is the client's address, used for rate limiting.
	Remote netip.Addr
}

// Resolution is where an address delivers.
type Resolution struct {
	// Accounts are the names of the local principals that receive the
	// mail, after alias, list and group expansion, each once.
	Accounts []string
	// External are addresses outside this directory that lists expand
	// to; the caller forwards to them.
	External []string
	// Tag is the subaddress detail of the address ("tag" in
	// "user+tag@example.org"), kept for Sieve (RFC 5233).
	Tag string
	// Local reports whether the address's domain is served here. A local
	// address with no Accounts and no External does not exist.
	Local bool
}

// Directory answers who someone is, whether a password is right and
// where an address delivers. Implementations are safe for concurrent use.
type Directory interface {
	// Authenticate checks a password or app password and returns the
	// principal. It returns ErrInvalidCredentials, taking the same time
	// whether or not the account exists, or ErrRateLimited.
	Authenticate(ctx context.Context, c Credentials) (*Principal, error)

	// Lookup returns the principal with the login name, or ErrNotFound.
	Lookup(ctx context.Context, name string) (*Principal, error)

	// Resolve maps a recipient address to local accounts: exact address,
	// alias, list and group expansion, catch-all, subaddress (the tag is
	// returned), case-insensitive local part, IDNA domain.
	Resolve(ctx context.Context, address string) (Resolution, error)

	// IsLocalDomain reports whether mail for domain (A-label or U-label
	// form) is delivered here.
	IsLocalDomain(ctx context.Context, domain string) (bool, error)

	// OwnsAddress reports whether principal may use address as its
	// sender (the submission sender check, RFC 6409 section 6.1).
	OwnsAddress(ctx context.Context, principal, address string) (bool, error)
}

// TokenAuthenticator is the optional ability of a Directory to check
// OAuth 2.0 bearer tokens, used by the OAUTHBEARER and XOAUTH2 SASL
// mechanisms.
type TokenAuthenticator interface {
	// TokensEnabled reports whether a token validator is configured.
	TokensEnabled() bool
	// AuthenticateToken checks a bearer token and returns the principal.
	// It returns ErrInvalidCredentials, ErrNotAuthorized or
	// ErrRateLimited.
	AuthenticateToken(ctx context.Context, c TokenCredentials) (*Principal, error)
}

// TokenValidator checks OAuth 2.0 bearer tokens for a directory. The host
// supplies it (token introspection, JWT verification...).
type TokenValidator interface {
	// ValidateToken returns the login name or address the token was
	// issued to, or an error when the token is not valid.
	ValidateToken(ctx context.Context, token string) (subject string, err error)
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
