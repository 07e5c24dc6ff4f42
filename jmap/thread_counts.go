package jmap

import (
	"errors"
	"slices"
	"sync"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// threadCountCache keeps each account's mailbox thread counts (RFC 8621
// section 2 totalThreads, unreadThreads) at the state they were counted
// at: counting reads every email of the account, so it is done again
// only once the account changed.
type threadCountCache struct {
	mu    sync.Mutex
	byAcc map[string]threadCountEntry
}

type threadCountEntry struct {
	state  uint64
	counts map[mailstore.MailboxID]mailstore.ThreadCounts
}

// maxThreadCountAccounts bounds the accounts whose counts are kept.
const maxThreadCountAccounts = 1024

func (tc *threadCountCache) get(acct string, st uint64) (map[mailstore.MailboxID]mailstore.ThreadCounts, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	e, ok := tc.byAcc[acct]
	return e.counts, ok && e.state == st
}

func (tc *threadCountCache) put(acct string, e threadCountEntry) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.byAcc == nil || len(tc.byAcc) >= maxThreadCountAccounts {
		tc.byAcc = map[string]threadCountEntry{}
	}
	if old, ok := tc.byAcc[acct]; !ok || old.state <= e.state {
		tc.byAcc[acct] = e
	}
}

// wantsThreadCounts reports whether a Mailbox/get asked for a thread
// count.
func wantsThreadCounts(props *[]string) bool {
	return props == nil || slices.Contains(*props, "totalThreads") ||
		slices.Contains(*props, "unreadThreads")
}

// threadCounts returns the account's mailbox thread counts at state st
// or later; concurrent callers share one count.
func (c *call) threadCounts(acct string, st uint64) (map[mailstore.MailboxID]mailstore.ThreadCounts, error) {
	if counts, ok := c.h.threads.get(acct, st); ok {
		return counts, nil
	}
	v, err, _ := c.h.countGroup.Do(acct, func() (any, error) {
		counts, at, err := c.h.ms.MailboxThreadCounts(c.ctx, acct)
		if err != nil {
			return nil, err
		}
		c.h.threads.put(acct, threadCountEntry{state: at, counts: counts})
		return counts, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[mailstore.MailboxID]mailstore.ThreadCounts), nil
}

// maxFollowedEmails is how many changed emails Mailbox/changes follows
// to the mailboxes of their threads; beyond it, or when an email was
// destroyed, every mailbox holding email is reported.
const maxFollowedEmails = 64

// threadCountMailboxes returns the mailboxes whose thread counts may have
// changed with the emails changed since a state: those holding an email
// of the threads of the changed emails (RFC 8621 section 2: the unread
// email of a thread need not be in the mailbox).
func (c *call) threadCountMailboxes(acct string, since uint64) ([]mailstore.MailboxID, error) {
	ch, err := c.h.ms.ChangesOf(c.ctx, acct, mailstore.KindEmail, since, maxFollowedEmails)
	many := errors.Is(err, mailstore.ErrTooManyChanges)
	if err != nil && !many {
		return nil, err
	}
	changed := append(slices.Clone(ch.Emails.Created), ch.Emails.Updated...)
	if !many && !ch.HasMore && len(changed) == 0 && len(ch.Emails.Destroyed) == 0 {
		return nil, nil
	}
	if many || ch.HasMore || len(ch.Emails.Destroyed) > 0 {
		mbs, err := c.h.ms.Mailboxes(c.ctx, acct)
		if err != nil {
			return nil, err
		}
		var out []mailstore.MailboxID
		for _, m := range mbs {
			if m.Total > 0 {
				out = append(out, m.ID)
			}
		}
		return out, nil
	}
	es, err := c.h.ms.Emails(c.ctx, acct, changed)
	if err != nil {
		return nil, err
	}
	threads := map[mailstore.ThreadID]bool{}
	set := map[mailstore.MailboxID]bool{}
	for _, e := range es {
		if e == nil || threads[e.ThreadID] {
			continue
		}
		threads[e.ThreadID] = true
		members, err := c.h.ms.Thread(c.ctx, acct, e.ThreadID)
		if err != nil {
			return nil, err
		}
		mes, err := c.h.ms.Emails(c.ctx, acct, members)
		if err != nil {
			return nil, err
		}
		for _, me := range mes {
			for m := range me.Mailboxes {
				set[m] = true
			}
		}
	}
	out := make([]mailstore.MailboxID, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	return out, nil
}
