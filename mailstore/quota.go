package mailstore

import (
	"context"
	"fmt"

	"github.com/bulwarkmail/bulwark/store"
)

// SetQuota sets an account's limits in octets and messages (RFC 9208
// STORAGE and MESSAGE resources); zero means no limit. Lowering a limit
// below the usage removes nothing, new mail is refused.
func (s *Store) SetQuota(ctx context.Context, account string, bytes, messages int64) error {
	if bytes < 0 || messages < 0 {
		return fmt.Errorf("set quota of %s: negative limit", account)
	}
	err := s.update(ctx, account, func(w *writer) error {
		w.acct.maxBytes, w.acct.maxMessages = bytes, messages
		w.acctDirty = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("set quota of %s: %w", account, err)
	}
	return nil
}

// Usage returns the octets and messages an account uses. An email counts
// once however many mailboxes hold it; its size is that of the raw
// message.
func (s *Store) Usage(ctx context.Context, account string) (bytes, messages int64, err error) {
	q, err := s.Quota(ctx, account)
	return q.Bytes, q.Messages, err
}

// Quota returns an account's limits and usage.
func (s *Store) Quota(ctx context.Context, account string) (Quota, error) {
	var q Quota
	err := s.view(ctx, account, func(_ store.Tx, a accountRec) error {
		q = Quota{MaxBytes: a.maxBytes, MaxMessages: a.maxMessages,
			Bytes: a.bytes, Messages: a.messages}
		return nil
	})
	if err != nil {
		return Quota{}, fmt.Errorf("quota of %s: %w", account, err)
	}
	return q, nil
}
