// Package mailenv holds the SMTP envelope of a message (RFC 5321,
// section 2.3.1) with the ESMTP parameters that travel with it: the DSN
// parameters of RFC 3461, SMTPUTF8 (RFC 6531), REQUIRETLS (RFC 8689) and
// the body type (RFC 6152, RFC 3030). The SMTP server fills it in and the
// queue reads it, so it lives below both: package smtp names these types
// by alias and package queue takes them without importing smtp.
package mailenv
