package directory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
)

// plainServer is RFC 4616 PLAIN: "authzid NUL authcid NUL passwd".
type plainServer struct {
	a    *saslAuth
	done bool
}

// Next implements sasl.Server.
func (s *plainServer) Next(resp []byte) ([]byte, bool, error) {
	if s.done {
		return nil, true, sasl.ErrUnexpectedClientResponse
	}
	if resp == nil { // no initial response: ask with an empty challenge
		return []byte{}, false, nil
	}
	s.done = true
	f := bytes.Split(resp, []byte{0})
	if len(f) != 3 || len(f[1]) == 0 {
		return nil, true, fmt.Errorf("sasl PLAIN: %w", ErrMalformed)
	}
	return nil, true, s.a.password(string(f[0]), string(f[1]), string(f[2]))
}

// loginServer is the LOGIN mechanism: user name and password each asked
// for with a challenge; an initial response carries the user name.
type loginServer struct {
	a     *saslAuth
	user  []byte
	step  int
	ended bool
}

// Next implements sasl.Server.
func (s *loginServer) Next(resp []byte) ([]byte, bool, error) {
	if s.ended {
		return nil, true, sasl.ErrUnexpectedClientResponse
	}
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		s.user = append([]byte(nil), resp...)
		s.step = 2
		return []byte("Password:"), false, nil
	}
	s.ended = true
	if len(s.user) == 0 {
		return nil, true, fmt.Errorf("sasl LOGIN: %w", ErrMalformed)
	}
	return nil, true, s.a.password("", string(s.user), string(resp))
}

// bearerServer serves OAUTHBEARER (RFC 7628 section 3) and XOAUTH2. A
// failure sends the JSON error challenge (RFC 7628 section 3.2.2) and ends
// once the client answers it.
type bearerServer struct {
	a       *saslAuth
	xoauth2 bool
	failErr error // set once the error challenge is sent
	ended   bool
}

// Next implements sasl.Server.
func (s *bearerServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case s.ended:
		return nil, true, sasl.ErrUnexpectedClientResponse
	case s.failErr != nil:
		s.ended = true
		return nil, true, s.failErr
	case resp == nil:
		return []byte{}, false, nil
	}
	user, token, err := s.parse(resp)
	if err != nil {
		s.ended = true
		return nil, true, err
	}
	p, err := s.a.tokens.AuthenticateToken(s.a.ctx, TokenCredentials{
		Username: user, Token: token, Remote: s.a.remote})
	if err != nil {
		s.failErr = err
		return bearerError(), false, nil
	}
	s.ended = true
	s.a.done(p)
	return nil, true, nil
}

func (s *bearerServer) parse(resp []byte) (user, token string, err error) {
	var kv []byte
	if s.xoauth2 {
		kv = resp
	} else {
		user, kv, err = parseGS2(resp)
		if err != nil {
			return "", "", err
		}
	}
	for _, f := range bytes.Split(kv, []byte{1}) {
		k, v, _ := bytes.Cut(f, []byte{'='})
		switch string(k) {
		case "user":
			if s.xoauth2 {
				user = string(v)
			}
		case "auth":
			scheme, tok, ok := strings.Cut(string(v), " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return "", "", fmt.Errorf("sasl bearer: auth scheme: %w", ErrMalformed)
			}
			token = strings.TrimSpace(tok)
		}
	}
	if token == "" {
		return "", "", fmt.Errorf("sasl bearer: no token: %w", ErrMalformed)
	}
	return user, token, nil
}

// parseGS2 reads the GS2 header "n,a=authzid," (RFC 5801 section 4) that
// opens an OAUTHBEARER response; channel binding is not supported.
func parseGS2(resp []byte) (string, []byte, error) {
	f := bytes.SplitN(resp, []byte{','}, 3)
	if len(f) != 3 || (string(f[0]) != "n" && string(f[0]) != "y") {
		return "", nil, fmt.Errorf("sasl OAUTHBEARER: gs2 header: %w", ErrMalformed)
	}
	authz := string(f[1])
	if authz != "" {
		if !strings.HasPrefix(authz, "a=") {
			return "", nil, fmt.Errorf("sasl OAUTHBEARER: authzid: %w", ErrMalformed)
		}
		authz = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(authz[2:])
	}
	return authz, f[2], nil
}

// bearerError is the RFC 7628 section 3.2.2 error challenge.
func bearerError() []byte {
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Schemes string `json:"schemes"`
		Scope   string `json:"scope"`
	}{"invalid_token", "bearer", "mail"})
	return b
}
