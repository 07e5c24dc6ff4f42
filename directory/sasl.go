package directory

import (
	"context"
	"net/netip"
	"strings"

	"github.com/emersion/go-sasl"
)

// SASL mechanism names.
const (
	// MechPlain is RFC 4616 PLAIN.
	MechPlain = sasl.Plain
	// MechLogin is the LOGIN mechanism (draft-murchison-sasl-login).
	MechLogin = sasl.Login
	// MechOAuthBearer is RFC 7628 OAUTHBEARER.
	MechOAuthBearer = sasl.OAuthBearer
	// MechXOAuth2 is Google's XOAUTH2, the predecessor of OAUTHBEARER.
	MechXOAuth2 = "XOAUTH2"
)

// SASLMechanisms returns the mechanisms a protocol server may advertise
// on a connection: PLAIN and LOGIN, then OAUTHBEARER and XOAUTH2 when d
// checks tokens. Every one of them sends the secret in the clear, so
// none is offered when tls is false (RFC 4616 section 6); a server that
// allows plain-text authentication anyway passes true.
func SASLMechanisms(d Directory, tls bool) []string {
	if !tls {
		return nil
	}
	m := []string{MechPlain, MechLogin}
	if ta, ok := d.(TokenAuthenticator); ok && ta.TokensEnabled() {
		m = append(m, MechOAuthBearer, MechXOAuth2)
	}
	return m
}

// NewSASLServer returns the server side of a SASL exchange for mech
// (case-insensitive). When the exchange succeeds, done is called with
// the principal before Next reports completion. Next returns errors that
// wrap ErrInvalidCredentials, ErrRateLimited, ErrNotAuthorized or
// ErrMalformed; the protocol server maps them to its replies.
//
// ctx bounds the directory calls of the whole exchange.
func NewSASLServer(ctx context.Context, d Directory, mech string, remote netip.Addr,
	done func(*Principal)) (sasl.Server, error) {
	if done == nil {
		done = func(*Principal) {}
	}
	a := &saslAuth{ctx: ctx, d: d, remote: remote, done: done}
	switch strings.ToUpper(mech) {
	case MechPlain:
		return &plainServer{a: a}, nil
	case MechLogin:
		return &loginServer{a: a}, nil
	case MechOAuthBearer, MechXOAuth2:
		ta, ok := d.(TokenAuthenticator)
		if !ok || !ta.TokensEnabled() {
			return nil, ErrUnsupportedMechanism
		}
		a.tokens = ta
		return &bearerServer{a: a, xoauth2: strings.ToUpper(mech) == MechXOAuth2}, nil
	}
	return nil, ErrUnsupportedMechanism
}

// saslAuth is what the mechanism servers share.
type saslAuth struct {
	ctx    context.Context
	d      Directory
	tokens TokenAuthenticator
	remote netip.Addr
	done   func(*Principal)
}

// password authenticates authcid and then applies authzid: empty or the
// same identity is the user itself; another identity needs the admin
// role (RFC 4616 section 2: the server decides what authzids it allows).
func (a *saslAuth) password(authzid, authcid, pw string) error {
	p, err := a.d.Authenticate(a.ctx, Credentials{Username: authcid, Password: pw,
		Remote: a.remote})
	if err != nil {
		return err
	}
	if authzid != "" && !strings.EqualFold(authzid, authcid) &&
		!strings.EqualFold(authzid, p.Name) {
		if !p.HasRole(RoleAdmin) {
			return ErrNotAuthorized
		}
		p, err = a.d.Lookup(a.ctx, authzid)
		if err != nil {
			return ErrNotAuthorized
		}
	}
	a.done(p)
	return nil
}
