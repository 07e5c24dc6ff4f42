package mailstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/bulwarkmail/bulwark/store"
)

// ThreadCounts are a mailbox's totalThreads and unreadThreads (RFC 8621
// section 2).
type ThreadCounts struct {
	// Total counts the threads with at least one email in the mailbox.
	Total uint32
	// Unread counts those of them with an unread email (one with neither
	// "$seen" nor "$draft"), which need not be in the mailbox itself.
	// Following RFC 8621 section 2, an email only in the Trash does not
	// make a thread unread for other mailboxes, and for the Trash only
	// emails in it count.
	Unread uint32
}

// MailboxThreadCounts returns the thread counts of every mailbox of an
// account holding email, read in one snapshot, with the account's MODSEQ
// at that snapshot (its JMAP state). Mailboxes without email are absent.
func (s *Store) MailboxThreadCounts(ctx context.Context,
	account string) (map[MailboxID]ThreadCounts, uint64, error) {
	var out map[MailboxID]ThreadCounts
	var state uint64
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		var err error
		if state, err = tx.Counter(spaceCounter, newKey(a.num).byte(ctrModSeq)); err != nil {
			return err
		}
		out, err = threadCounts(tx, a.num)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("thread counts of %s: %w", account, err)
	}
	return out, state, nil
}

func threadCounts(tx store.Tx, a uint32) (map[MailboxID]ThreadCounts, error) {
	trash := uint32(0)
	err := tx.Scan(spaceMailbox, store.Prefix(newKey(a)), func(k, v []byte) error {
		rec, err := decodeMailbox(v)
		if err != nil {
			return err
		}
		if rec.role == RoleTrash && len(k) == 8 {
			trash = be32(k[4:])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	type pair struct {
		m uint32
		t uint64
	}
	const unreadElsewhere, unreadInTrash = 1, 2
	var pairs []pair
	unread := map[uint64]uint8{}
	var slab fullSlab
	err = tx.Scan(spaceEmail, store.Prefix(newKey(a)), func(_, val []byte) error {
		var v view
		if !viewEmail(val, &v, false, &slab) || v.full == nil {
			return errCorrupt
		}
		isUnread := !hasKw(v.kws, KeywordSeen) && !hasKw(v.kws, KeywordDraft)
		eachLink(v.full.links, func(m uint32) bool {
			pairs = append(pairs, pair{m, v.thread})
			if isUnread && m == trash {
				unread[v.thread] |= unreadInTrash
			} else if isUnread {
				unread[v.thread] |= unreadElsewhere
			}
			return true
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if c := cmp.Compare(x.m, y.m); c != 0 {
			return c
		}
		return cmp.Compare(x.t, y.t)
	})
	pairs = slices.Compact(pairs)
	byNum := map[uint32]ThreadCounts{}
	for _, p := range pairs {
		c := byNum[p.m]
		c.Total++
		bit := uint8(unreadElsewhere)
		if p.m == trash {
			bit = unreadInTrash
		}
		if unread[p.t]&bit != 0 {
			c.Unread++
		}
		byNum[p.m] = c
	}
	out := make(map[MailboxID]ThreadCounts, len(byNum))
	for m, c := range byNum {
		out[mailboxID(m)] = c
	}
	return out, nil
}
