package sieve

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// Key spaces of the tracker.
const (
	spaceVacation  store.Space = "sieve_vacation"
	spaceDuplicate store.Space = "sieve_duplicate"
)

// TrackerOptions configures a Tracker. The zero value is usable.
type TrackerOptions struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives tracker failures; nil discards them.
	Logger *slog.Logger
}

// Tracker keeps, in a store.KV, the vacation response records of RFC 5230
// section 4.2 (who got which reply until when) and the message ids of
// the duplicate test, RFC 7352 section 3. Records expire; Purge removes
// the expired ones. Several nodes sharing one store share the records.
type Tracker struct {
	kv  store.KV
	now func() time.Time
	log *slog.Logger
}

// NewTracker returns a Tracker on kv.
func NewTracker(kv store.KV, opts TrackerOptions) *Tracker {
	t := &Tracker{kv: kv, now: opts.Now, log: opts.Logger}
	if t.now == nil {
		t.now = time.Now
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	return t
}

func vacationKey(account, sender, handle string) []byte {
	return []byte(account + "\x00" + strings.ToLower(sender) + "\x00" + handle)
}

func expiry(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

// live reports whether a record value has not expired at now.
func live(v []byte, now time.Time) bool {
	return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano()
}

// ShouldReply checks and records a vacation response, RFC 5230 section
// 4.2: it reports true, and remembers the reply for period, unless the
// account already answered sender with this handle within the period.
// A zero period (":seconds 0", RFC 6131) always answers.
func (t *Tracker) ShouldReply(ctx context.Context, account, sender, handle string,
	period time.Duration) (bool, error) {
	if period <= 0 {
		return true, nil
	}
	now := t.now()
	key := vacationKey(account, sender, handle)
	reply := false
	err := t.kv.Update(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceVacation, key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		reply = err != nil || !live(v, now)
		if !reply {
			return nil
		}
		return tx.Put(spaceVacation, key, expiry(now.Add(period)))
	})
	if err != nil {
		return false, fmt.Errorf("check vacation record: %w", err)
	}
	return reply, nil
}

// ForgetReply removes a vacation record, so that a reply that could not
// be sent is tried again with the next message.
func (t *Tracker) ForgetReply(ctx context.Context, account, sender, handle string) error {
	err := t.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Delete(spaceVacation, vacationKey(account, sender, handle))
	})
	if err != nil {
		return fmt.Errorf("forget vacation record: %w", err)
	}
	return nil
}

// Duplicates returns the duplicate tracker of one account, RFC 7352.
func (t *Tracker) Duplicates(account string) DuplicateTracker {
	return &dupTracker{t: t, prefix: account + "\x00"}
}

type dupTracker struct {
	t      *Tracker
	prefix string
}

// Seen implements DuplicateTracker.
func (d *dupTracker) Seen(ctx context.Context, key string) bool {
	seen := false
	err := d.t.kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceDuplicate, []byte(d.prefix+key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		seen = err == nil && live(v, d.t.now())
		return err
	})
	if err != nil {
		d.t.log.Warn("sieve duplicate lookup failed", "err", err)
	}
	return seen
}

// Record implements DuplicateTracker.
func (d *dupTracker) Record(ctx context.Context, key string, period time.Duration) {
	err := d.t.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Put(spaceDuplicate, []byte(d.prefix+key), expiry(d.t.now().Add(period)))
	})
	if err != nil {
		d.t.log.Warn("sieve duplicate record failed", "err", err)
	}
}

// Purge deletes the expired records and returns how many it removed.
func (t *Tracker) Purge(ctx context.Context) (int, error) {
	now := t.now()
	n := 0
	for _, sp := range []store.Space{spaceVacation, spaceDuplicate} {
		var dead [][]byte
		err := t.kv.View(ctx, func(tx store.Tx) error {
			dead = dead[:0]
			return tx.Scan(sp, store.Range{}, func(k, v []byte) error {
				if !live(v, now) {
					dead = append(dead, append([]byte(nil), k...))
				}
				return nil
			})
		})
		if err == nil && len(dead) > 0 {
			err = t.kv.Update(ctx, func(tx store.Tx) error {
				for _, k := range dead {
					if err := tx.Delete(sp, k); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil {
			return n, fmt.Errorf("purge sieve records: %w", err)
		}
		n += len(dead)
	}
	return n, nil
}
