package jmap

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/bulwarkmail/bulwark/directory"
)

type ctxKey int

const principalKey ctxKey = 0

// principal is the authenticated user of a request.
type principal struct {
	name    string
	display string
	emails  []string
	// shared are the other accounts it may use (Options.Access).
	shared []string
}

func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey).(*principal)
	return p
}

// auth wraps next with authentication: HTTP Basic (RFC 7617) checked by
// the directory, refused without TLS unless Options.AllowPlainAuth, or a
// Bearer token (RFC 6750) checked by Options.Tokens.
func (h *Handler) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := h.authenticate(r)
		if err != nil {
			h.opts.Logger.Info("jmap authentication failed",
				"remote", r.RemoteAddr, "err", err)
			w.Header().Set("WWW-Authenticate", `Basic realm="jmap", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}

var errNoCredentials = errors.New("no usable credentials")

func (h *Handler) authenticate(r *http.Request) (*principal, error) {
	ctx := r.Context()
	remote := remoteAddr(r)
	authz := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(authz, "Bearer "); ok && h.opts.Tokens != nil {
		name, err := h.opts.Tokens.ValidateToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			return nil, err
		}
		pr, err := h.opts.Directory.Lookup(ctx, name)
		if err != nil {
			return nil, err
		}
		return h.login(ctx, pr)
	}
	user, pass, ok := r.BasicAuth()
	if !ok || (r.TLS == nil && !h.opts.AllowPlainAuth) {
		return nil, errNoCredentials
	}
	key := h.creds.key(user, pass)
	if p := h.creds.get(key); p != nil {
		return p, nil
	}
	// Concurrent requests with the same credentials share one check.
	v, err, _ := h.authGroup.Do(string(key[:]), func() (any, error) {
		pr, err := h.opts.Directory.Authenticate(ctx, directory.Credentials{
			Username: user, Password: pass, Remote: remote})
		if err != nil {
			return nil, err
		}
		p, err := h.login(ctx, pr)
		if err == nil {
			h.creds.put(key, p)
		}
		return p, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*principal), nil
}

// login makes sure the principal's mail account exists.
func (h *Handler) login(ctx context.Context, pr *directory.Principal) (*principal, error) {
	if _, ok := h.known.Load(pr.Name); !ok {
		if err := h.ms.CreateAccount(ctx, pr.Name); err != nil {
			return nil, err
		}
		h.known.Store(pr.Name, true)
		h.resumePush(ctx, pr.Name)
	}
	shared, err := h.sharedAccounts(ctx, pr.Name)
	if err != nil {
		return nil, err
	}
	return &principal{name: pr.Name, display: pr.DisplayName, emails: pr.Emails,
		shared: shared}, nil
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	a, _ := netip.ParseAddr(host)
	return a
}

// resumePush starts pushing for an account that has verified push
// subscriptions from an earlier run.
func (h *Handler) resumePush(ctx context.Context, acct string) {
	raw, err := h.data.list(ctx, acct, typePushSub)
	if err != nil {
		return
	}
	for _, s := range decodeSubs(raw) {
		if s.verified() {
			h.startDispatch(acct)
			return
		}
	}
}
