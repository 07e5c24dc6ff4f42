package mailstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// SharedMailbox is a mailbox of another account that a user holds rights
// on (RFC 4314), as SharedWith lists it.
type SharedMailbox struct {
	// Owner is the account the mailbox belongs to.
	Owner   string
	Mailbox Mailbox
	// Rights are the user's own and those granted to Anyone.
	Rights Rights
}

// aclGranteeKey is the key of the index of mailboxes shared with an
// identifier: its length, the identifier, then the owner's account and
// mailbox numbers. The value is the owner's account name.
func aclGranteeKey(id string, a, m uint32) key { return aclGranteePrefix(id).u32(a).u32(m) }

func aclGranteePrefix(id string) key {
	k := make(key, 0, 1+len(id)+8)
	return k.byte(byte(len(id))).str(id)
}

// SharedWith lists the mailboxes of other accounts on which user holds
// rights, by their own entry or through Anyone, ordered by owner and
// mailbox name. It reads an index by identifier, not every account.
func (s *Store) SharedWith(ctx context.Context, user string) ([]SharedMailbox, error) {
	var out []SharedMailbox
	err := s.kv.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		type ref struct{ a, m uint32 }
		owners := map[ref]string{}
		var refs []ref
		for _, id := range []string{user, Anyone} {
			if len(id) > MaxIdentifier {
				continue // never an identifier
			}
			prefix := aclGranteePrefix(id)
			err := tx.Scan(spaceShared, store.Prefix(prefix), func(k, v []byte) error {
				if len(k) != len(prefix)+8 {
					return errCorrupt
				}
				r := ref{be32(k[len(prefix):]), be32(k[len(prefix)+4:])}
				if _, dup := owners[r]; !dup {
					owners[r] = string(v)
					refs = append(refs, r)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, r := range refs {
			sm, ok, err := sharedEntry(tx, r.a, r.m, owners[r], user)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, sm)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mailboxes shared with %q: %w", user, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Owner != out[j].Owner {
			return out[i].Owner < out[j].Owner
		}
		return out[i].Mailbox.Name < out[j].Mailbox.Name
	})
	return out, nil
}

// sharedEntry reads one mailbox of the index; ok is false for the user's
// own mailboxes (shared with Anyone) and for entries whose owner is gone.
func sharedEntry(tx store.Tx, a, m uint32, owner, user string) (SharedMailbox, bool, error) {
	if owner == user {
		return SharedMailbox{}, false, nil
	}
	acct, err := getAccount(tx, owner)
	if isNotFound(err) || (err == nil && acct.num != a) {
		return SharedMailbox{}, false, nil
	}
	if err != nil {
		return SharedMailbox{}, false, err
	}
	mb, err := readMailbox(tx, a, mailboxID(m))
	if isNotFound(err) {
		return SharedMailbox{}, false, nil
	}
	if err != nil {
		return SharedMailbox{}, false, err
	}
	r, err := effectiveRights(tx, a, m, owner, user)
	if err != nil || r == 0 {
		return SharedMailbox{}, false, err
	}
	return SharedMailbox{Owner: owner, Mailbox: mb, Rights: r}, true, nil
}

// dropACL removes the ACL of mailbox m, which is being deleted, with its
// entries in the index of shared mailboxes.
func (w *writer) dropACL(m uint32) error {
	a := w.acct.num
	prefix := mailboxKey(a, m)
	var ids []string
	err := w.tx.Scan(spaceACL, store.Prefix(prefix), func(k, _ []byte) error {
		ids = append(ids, string(k[len(prefix):]))
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := w.putRights(m, id, 0); err != nil {
			return err
		}
	}
	return nil
}

// deleteAccountACL removes, for an account being deleted, the ACLs of
// its mailboxes and the entries naming it in other accounts' ACLs.
func deleteAccountACL(tx store.Tx, account string, a uint32) error {
	var drop [][]byte
	err := tx.Scan(spaceACL, store.Prefix(newKey(a)), func(k, _ []byte) error {
		if len(k) < 8 {
			return errCorrupt
		}
		drop = append(drop, aclGranteeKey(string(k[8:]), a, be32(k[4:])))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := tx.Delete(spaceShared, k); err != nil {
			return err
		}
	}
	if err := deletePrefix(tx, spaceACL, newKey(a)); err != nil {
		return err
	}
	if len(account) > MaxIdentifier {
		return nil // never an identifier
	}
	prefix := aclGranteePrefix(account)
	var grants [][]byte
	err = tx.Scan(spaceShared, store.Prefix(prefix), func(k, _ []byte) error {
		if len(k) != len(prefix)+8 {
			return errCorrupt
		}
		grants = append(grants, aclKey(be32(k[len(prefix):]), be32(k[len(prefix)+4:]), account))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range grants {
		if err := tx.Delete(spaceACL, k); err != nil {
			return err
		}
	}
	return deletePrefix(tx, spaceShared, prefix)
}
