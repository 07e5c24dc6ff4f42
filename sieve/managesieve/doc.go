// Package managesieve serves RFC 5804 ManageSieve over a sieve.Storage:
// AUTHENTICATE through the directory's SASL mechanisms, STARTTLS,
// CAPABILITY, HAVESPACE, PUTSCRIPT and CHECKSCRIPT (scripts are compiled
// and their errors returned with line and column), LISTSCRIPTS,
// SETACTIVE, GETSCRIPT, DELETESCRIPT, RENAMESCRIPT, NOOP, UNAUTHENTICATE
// and LOGOUT, with the response codes of section 1.3 (QUOTA/MAXSCRIPTS,
// QUOTA/MAXSIZE, NONEXISTENT, ACTIVE, ALREADYEXISTS, ENCRYPT-NEEDED,
// WARNINGS, TAG, TRYLATER).
//
// Limits (line length, literal size, connections, authentication
// failures, idle time) are Options fields.
//
// Not yet: implicit-TLS listeners (the host may wrap the listener with
// tls.NewListener), SASL security layers, and the RFC 5804 section 2.14
// referrals.
package managesieve
