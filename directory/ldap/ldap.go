package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/go-ldap/ldap/v3"
)

// AuthMode is how passwords are checked.
type AuthMode int

// The authentication modes.
const (
	// LookupBind finds the account's entry with NameFilter, then binds as
	// its DN with the password (the default).
	LookupBind AuthMode = iota
	// Bind binds directly as the DN made from BindTemplate, then reads
	// the entry.
	Bind
	// Secrets reads the Secret attribute (userPassword) with the service
	// account and verifies it locally with package password.
	Secrets
)

// Attributes map principal fields to LDAP attributes. Empty fields take
// the defaults shown.
type Attributes struct {
	// Name holds the login name; default "uid".
	Name string
	// DisplayName; default "displayName", then "cn" when empty.
	DisplayName string
	// Emails hold the addresses, the first value of the first attribute
	// being the primary address; default "mail".
	Emails []string
	// Quota holds the quota in bytes; default none.
	Quota string
	// Roles hold role names; default none (every account is a user).
	Roles string
	// Members hold members as DNs; default "member", "uniqueMember".
	Members []string
	// MemberValues hold members as names or addresses; default
	// "memberUid", "rfc822MailMember".
	MemberValues []string
	// MemberOf, when set ("memberOf" with OpenLDAP's memberof overlay
	// or Active Directory), holds the DNs of the groups of an entry and
	// replaces the MemberOfFilter search.
	MemberOf string
	// Secret holds the stored password for the Secrets mode; default
	// "userPassword".
	Secret string
	// GroupClasses are the objectClass values of groups; default
	// "groupOfNames", "groupOfUniqueNames", "posixGroup".
	GroupClasses []string
	// ListClasses are the objectClass values of mailing lists, checked
	// before GroupClasses; default "nisMailAlias".
	ListClasses []string
}

// Options configure an LDAP directory.
type Options struct {
	// URL is "ldap://host:port" or "ldaps://host:port".
	URL string
	// StartTLS upgrades an ldap:// connection with StartTLS (RFC 4511
	// section 4.14).
	StartTLS bool
	// TLSConfig is used for ldaps:// and StartTLS; nil uses the system
	// roots and the URL's host name.
	TLSConfig *tls.Config
	// BindDN and BindPassword are the service account that searches;
	// empty binds anonymously.
	BindDN, BindPassword string
	// BaseDN is where searches start.
	BaseDN string
	// NameFilter finds a principal by login name; "%s" is replaced by
	// the escaped name (RFC 4515). Default "(uid=%s)".
	NameFilter string
	// AddressFilter finds principals by address; default "(mail=%s)".
	AddressFilter string
	// MemberOfFilter finds the groups and lists a DN belongs to; default
	// "(|(member=%s)(uniqueMember=%s))".
	MemberOfFilter string
	// DomainFilter finds a local domain; default
	// "(&(objectClass=domainRelatedObject)(associatedDomain=%s))".
	// When Domains is set, it is used instead.
	DomainFilter string
	// Domains, when set, is the fixed list of local domains.
	Domains []string
	// BindTemplate makes the DN for the Bind mode; "%s" is replaced by
	// the escaped name (RFC 4514), e.g. "uid=%s,ou=people,dc=example,dc=org".
	BindTemplate string
	// Auth selects how passwords are checked.
	Auth AuthMode
	// Attributes map principal fields to attributes.
	Attributes Attributes
	// PoolSize bounds the open connections; default 4.
	PoolSize int
	// Timeout bounds dialing and each request; default 10 seconds.
	Timeout time.Duration
	// MaxResults bounds the entries one search returns; default 1000.
	MaxResults int
	// Directory configures authentication and address resolution.
	Directory directory.Options
}

func (o *Options) defaults() error {
	if o.URL == "" || o.BaseDN == "" {
		return errors.New("ldap directory: URL and BaseDN are required")
	}
	if o.Auth == Bind && o.BindTemplate == "" {
		return errors.New("ldap directory: Bind mode needs BindTemplate")
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defs := func(s *[]string, v ...string) {
		if len(*s) == 0 {
			*s = v
		}
	}
	def(&o.NameFilter, "(uid=%s)")
	def(&o.AddressFilter, "(mail=%s)")
	def(&o.MemberOfFilter, "(|(member=%s)(uniqueMember=%s))")
	def(&o.DomainFilter, "(&(objectClass=domainRelatedObject)(associatedDomain=%s))")
	a := &o.Attributes
	def(&a.Name, "uid")
	def(&a.DisplayName, "displayName")
	def(&a.Secret, "userPassword")
	defs(&a.Emails, "mail")
	defs(&a.Members, "member", "uniqueMember")
	defs(&a.MemberValues, "memberUid", "rfc822MailMember")
	defs(&a.GroupClasses, "groupOfNames", "groupOfUniqueNames", "posixGroup")
	defs(&a.ListClasses, "nisMailAlias")
	if o.PoolSize <= 0 {
		o.PoolSize = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxResults <= 0 {
		o.MaxResults = 1000
	}
	return nil
}

// Directory reads principals from an LDAP server. It implements
// directory.Directory through the embedded Core and directory.Backend.
type Directory struct {
	*directory.Core
	o    Options
	pool *pool
}

var (
	_ directory.Directory = (*Directory)(nil)
	_ directory.Backend   = (*Directory)(nil)
)

// binder adds password checking by bind to a Directory's backend, so
// that Core uses it instead of reading secrets.
type binder struct{ *Directory }

var _ directory.PasswordChecker = binder{}

// New returns an LDAP directory. Connections are opened on first use;
// Close releases them.
func New(ctx context.Context, o Options) (*Directory, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	d := &Directory{o: o}
	d.pool = newPool(&d.o)
	if o.Auth == Secrets {
		d.Core = directory.NewCore(d, o.Directory)
	} else {
		d.Core = directory.NewCore(binder{d}, o.Directory)
	}
	return d, nil
}

// Close closes the idle connections. Calls in progress finish first.
func (d *Directory) Close() error {
	d.pool.close()
	return nil
}

// filter fills a filter template with a value escaped as RFC 4515
// section 3 asks.
func filter(tmpl, v string) string {
	return strings.ReplaceAll(tmpl, "%s", ldap.EscapeFilter(v))
}
