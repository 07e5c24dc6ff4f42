package jmap

import (
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
)

// AccountAccess grants principals the use of mail accounts other than
// their own, such as a team's shared mailboxes (RFC 8620 section 1.6.2:
// a user may access several accounts). The host implements it from its
// own rules; without it each principal uses only its own account.
type AccountAccess interface {
	// SharedAccounts returns the login names of the accounts besides its
	// own whose mail the principal may read and change.
	SharedAccounts(ctx context.Context, principal string) ([]string, error)
}

// sharedAccounts returns the existing accounts the principal may use
// besides its own, in name order.
func (h *Handler) sharedAccounts(ctx context.Context, name string) ([]string, error) {
	if h.opts.Access == nil {
		return nil, nil
	}
	names, err := h.opts.Access.SharedAccounts(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if n == name || slices.Contains(out, n) {
			continue
		}
		if _, err := h.ms.HighestModSeq(ctx, n); err != nil {
			h.opts.Logger.Warn("jmap shared account not available", "principal", name,
				"account", n, "err", err)
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// mayUse reports whether the principal may use the mail of an account.
func (p *principal) mayUse(acct string) bool {
	return acct == p.name || slices.Contains(p.shared, acct)
}

// sessionState is the session's state string (RFC 8620 section 2): it
// moves when the principal's addresses or accounts change.
func (p *principal) sessionState() string {
	h := fnv.New64a()
	for _, s := range [][]string{p.emails, p.shared} {
		h.Write([]byte(strings.Join(s, "\x00")))
		h.Write([]byte{1})
	}
	return sessionStateKey + "-" + strconv.FormatUint(h.Sum64(), 36)
}

// sharedMethod reports whether a method may be called on a shared
// account: those of mail data (RFC 8621) and Blob/copy. Identities,
// submission, vacation response, Sieve and quotas belong to the owner.
func sharedMethod(name string, capability string) bool {
	switch {
	case name == "Blob/copy":
		return true
	case capability != CapMail:
		return false
	}
	return !strings.HasPrefix(name, "Identity/")
}
