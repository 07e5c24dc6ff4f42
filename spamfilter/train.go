package spamfilter

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
)

// Class bytes of the seen records.
const (
	classSpam = 's'
	classHam  = 'h'
)

// Train counts a message as spam or ham for an account and for the shared
// counts. A message is known by a digest of its bytes: training it again
// as the same class changes nothing and returns false; training it as the
// other class moves it there. account may be "" to train the shared
// counts only. The caller closes msg.
func (f *Filter) Train(ctx context.Context, account string, msg io.Reader,
	spam bool) (bool, error) {
	if f.opts.KV == nil {
		return false, ErrNoStore
	}
	toks, digest, err := f.trainingTokens(msg)
	if err != nil {
		return false, err
	}
	class := byte(classHam)
	if spam {
		class = classSpam
	}
	changed := false
	err = f.opts.KV.Update(ctx, func(tx store.Tx) error {
		changed = false
		prev, err := seenClass(tx, account, digest)
		if err != nil || prev == class {
			return err
		}
		if prev != 0 {
			if err := applyTraining(tx, account, toks, prev == classSpam, -1); err != nil {
				return err
			}
		}
		if err := applyTraining(tx, account, toks, spam, 1); err != nil {
			return err
		}
		changed = true
		return tx.Put(spaceSeen, seenKey(account, digest), []byte{class})
	})
	if err != nil {
		return false, fmt.Errorf("train: %w", err)
	}
	return changed, nil
}

// Untrain removes a message trained before from the counts. It returns
// false when the message was not trained for the account.
func (f *Filter) Untrain(ctx context.Context, account string, msg io.Reader) (bool, error) {
	if f.opts.KV == nil {
		return false, ErrNoStore
	}
	toks, digest, err := f.trainingTokens(msg)
	if err != nil {
		return false, err
	}
	changed := false
	err = f.opts.KV.Update(ctx, func(tx store.Tx) error {
		changed = false
		prev, err := seenClass(tx, account, digest)
		if err != nil || prev == 0 {
			return err
		}
		if err := applyTraining(tx, account, toks, prev == classSpam, -1); err != nil {
			return err
		}
		changed = true
		return tx.Delete(spaceSeen, seenKey(account, digest))
	})
	if err != nil {
		return false, fmt.Errorf("untrain: %w", err)
	}
	return changed, nil
}

// MessageSource opens stored messages; *mailstore.Store is one.
type MessageSource interface {
	Open(ctx context.Context, account string, id mailstore.EmailID,
		offset, length int64) (io.ReadCloser, error)
}

// Moved trains the classifier from a user's move of a message between
// mailboxes of the given roles (RFC 6154 special use, as
// mailstore.RoleJunk): into Junk from anywhere else it is spam; out of
// Junk into any mailbox but Trash it is ham. Other moves change nothing.
// A host calls it from IMAP MOVE and JMAP Email/set when mailboxIds
// change. It reports whether the counts changed.
func (f *Filter) Moved(ctx context.Context, src MessageSource, account string,
	id mailstore.EmailID, fromRole, toRole string) (bool, error) {
	var spam bool
	switch {
	case toRole == mailstore.RoleJunk && fromRole != mailstore.RoleJunk:
		spam = true
	case fromRole == mailstore.RoleJunk && toRole != mailstore.RoleJunk &&
		toRole != mailstore.RoleTrash:
		spam = false
	default:
		return false, nil
	}
	rc, err := src.Open(ctx, account, id, 0, -1)
	if err != nil {
		return false, fmt.Errorf("train from move: %w", err)
	}
	defer rc.Close()
	return f.Train(ctx, account, rc, spam)
}

// trainingTokens reads a message for training: its tokens and a digest
// of the bytes read.
func (f *Filter) trainingTokens(msg io.Reader) ([]token, []byte, error) {
	h := sha256.New()
	c, err := parseContent(io.TeeReader(msg, h), f.opts.MaxScanBytes)
	if err != nil {
		return nil, nil, err
	}
	return tokenize(c), h.Sum(nil)[:16], nil
}

// seenClass returns the class a message was trained as, 0 when none.
func seenClass(tx store.Tx, account string, digest []byte) (byte, error) {
	v, err := tx.Get(spaceSeen, seenKey(account, digest))
	if errors.Is(err, store.ErrNotFound) || err == nil && len(v) == 0 {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", spaceSeen, err)
	}
	return v[0], nil
}

// applyTraining adds (delta 1) or removes (delta -1) one message's
// tokens in the account's counts and in the shared ones.
func applyTraining(tx store.Tx, account string, toks []token, spam bool, delta int) error {
	scopes := []string{globalScope}
	if account != globalScope {
		scopes = append(scopes, account)
	}
	for _, s := range scopes {
		if err := addCounts(tx, spaceTotals, totalsKey(s), spam, delta); err != nil {
			return err
		}
		for _, t := range toks {
			if err := addCounts(tx, spaceTokens, tokenKey(s, t), spam, delta); err != nil {
				return err
			}
		}
	}
	return nil
}
