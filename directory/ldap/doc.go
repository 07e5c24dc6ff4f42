// Package ldap is a directory read from an LDAP server (RFC 4511) with
// github.com/go-ldap/ldap/v3.
//
// Passwords are checked by binding as the account (LookupBind: find the
// entry with NameFilter, then bind as its DN; Bind: bind as the DN made
// from BindTemplate) or by reading its userPassword with the service
// account and verifying it locally (Secrets), in the forms package
// directory/password reads. Filters (RFC 4515, values escaped) and the
// mapping of principal fields to attributes are configurable; groups and
// lists are told apart by objectClass, and members given as DNs are
// mapped back to login names. Connections are pooled, bound as the
// service account, over ldap://, ldaps:// or StartTLS (RFC 4511 section
// 4.14, RFC 4513 section 3).
//
// Authentication timing, failure limiting and address resolution come
// from directory.Core. A missing account in the bind modes answers as late
// as a real bind usually takes.
//
// Not yet: SASL binds (EXTERNAL, GSSAPI) to the LDAP server, paged
// results for very large groups, and referrals.
package ldap
