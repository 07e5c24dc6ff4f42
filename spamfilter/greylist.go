package spamfilter

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// spaceGreylist maps a triplet digest to when it was first seen and when
// it last passed.
const spaceGreylist store.Space = "spam_greylist"

// GreylistOptions configures greylisting (RFC 6647): the first message of
// a (client network, sender, recipient) triplet is deferred, and a retry
// after Delay passes.
type GreylistOptions struct {
	// Enabled turns greylisting on. Default off.
	Enabled bool
	// Delay is how long a new triplet is deferred. Default 5 minutes
	// (RFC 6647, section 5 asks for no more than about that).
	Delay time.Duration
	// Expiry is how long a deferred triplet waits for its retry before it
	// counts as new again. Default 24 hours.
	Expiry time.Duration
	// PassTTL is how long a triplet that passed keeps passing without
	// being seen again. Default 35 days, so monthly mail keeps flowing.
	PassTTL time.Duration
	// IPv4Prefix and IPv6Prefix are the network sizes that count as one
	// client, since large senders retry from other hosts of the same
	// pool (RFC 6647, section 4.1). Defaults 24 and 64.
	IPv4Prefix, IPv6Prefix int
}

// Defaults of GreylistOptions.
const (
	DefaultGreylistDelay   = 5 * time.Minute
	DefaultGreylistExpiry  = 24 * time.Hour
	DefaultGreylistPassTTL = 35 * 24 * time.Hour
)

func (o GreylistOptions) withDefaults() GreylistOptions {
	if o.Delay <= 0 {
		o.Delay = DefaultGreylistDelay
	}
	if o.Expiry <= 0 {
		o.Expiry = DefaultGreylistExpiry
	}
	if o.PassTTL <= 0 {
		o.PassTTL = DefaultGreylistPassTTL
	}
	if o.IPv4Prefix <= 0 || o.IPv4Prefix > 32 {
		o.IPv4Prefix = 24
	}
	if o.IPv6Prefix <= 0 || o.IPv6Prefix > 128 {
		o.IPv6Prefix = 64
	}
	return o
}

// Triplet identifies a delivery attempt for greylisting.
type Triplet struct {
	// ClientIP is the SMTP client's address.
	ClientIP netip.Addr
	// Sender is the reverse-path, "" for the null reverse-path.
	Sender string
	// Recipient is one forward-path.
	Recipient string
}

// GreylistResult tells whether to defer a recipient.
type GreylistResult struct {
	// Deferred is set when the client must retry: the SMTP reply is
	// "451 4.7.1" (RFC 6647, section 2.1; RFC 3463 for the code).
	Deferred bool
	// RetryAfter is how long until a retry passes.
	RetryAfter time.Duration
}

// Greylist records a delivery attempt and tells whether to defer it. With
// greylisting off every attempt passes. A host calls it at RCPT, for
// clients that are neither authenticated nor trusted.
func (f *Filter) Greylist(ctx context.Context, t Triplet) (GreylistResult, error) {
	g := f.opts.Greylist
	if !g.Enabled {
		return GreylistResult{}, nil
	}
	if f.opts.KV == nil {
		return GreylistResult{}, ErrNoStore
	}
	key := f.tripletKey(t)
	now := f.opts.Now()
	var res GreylistResult
	err := f.opts.KV.Update(ctx, func(tx store.Tx) error {
		e, err := readGreyEntry(tx, key)
		if err != nil {
			return err
		}
		res, e = g.decide(e, now)
		return tx.Put(spaceGreylist, key, e.encode())
	})
	if err != nil {
		return GreylistResult{}, fmt.Errorf("greylist: %w", err)
	}
	return res, nil
}

// greyEntry is the state of one triplet; zero times mean never.
type greyEntry struct {
	first, passed time.Time
}

// decide applies the greylisting states: new or expired triplets start
// waiting, waiting ones pass once Delay is over, passed ones keep passing
// until PassTTL without being seen.
func (g GreylistOptions) decide(e greyEntry, now time.Time) (GreylistResult, greyEntry) {
	switch {
	case !e.passed.IsZero() && now.Sub(e.passed) <= g.PassTTL:
		e.passed = now
		return GreylistResult{}, e
	case e.first.IsZero() || !e.passed.IsZero() || now.Sub(e.first) > g.Expiry:
		e = greyEntry{first: now}
		return GreylistResult{Deferred: true, RetryAfter: g.Delay}, e
	case now.Sub(e.first) < g.Delay:
		return GreylistResult{Deferred: true, RetryAfter: g.Delay - now.Sub(e.first)}, e
	}
	e.passed = now
	return GreylistResult{}, e
}

// PurgeGreylist removes the triplets that expired: deferred ones never
// retried within Expiry and passed ones unseen for PassTTL. A host calls
// it now and then; it returns the number removed.
func (f *Filter) PurgeGreylist(ctx context.Context) (int, error) {
	if f.opts.KV == nil {
		return 0, ErrNoStore
	}
	g, now := f.opts.Greylist, f.opts.Now()
	var stale [][]byte
	err := f.opts.KV.View(ctx, func(tx store.Tx) error {
		return tx.Scan(spaceGreylist, store.Range{}, func(k, v []byte) error {
			e, err := decodeGreyEntry(v)
			if err != nil || g.expired(e, now) {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("purge greylist: %w", err)
	}
	err = f.opts.KV.Update(ctx, func(tx store.Tx) error {
		for _, k := range stale {
			if err := tx.Delete(spaceGreylist, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge greylist: %w", err)
	}
	return len(stale), nil
}

func (g GreylistOptions) expired(e greyEntry, now time.Time) bool {
	if !e.passed.IsZero() {
		return now.Sub(e.passed) > g.PassTTL
	}
	return now.Sub(e.first) > g.Expiry
}

// tripletKey digests the client network and the lower-cased addresses.
func (f *Filter) tripletKey(t Triplet) []byte {
	ip := t.ClientIP.Unmap()
	bits := f.opts.Greylist.IPv6Prefix
	if ip.Is4() {
		bits = f.opts.Greylist.IPv4Prefix
	}
	network := ""
	if p, err := ip.Prefix(bits); err == nil {
		network = p.String()
	}
	h := sha256.New()
	for _, part := range []string{network, strings.ToLower(t.Sender), strings.ToLower(t.Recipient)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)[:16]
}

func readGreyEntry(tx store.Tx, key []byte) (greyEntry, error) {
	v, err := tx.Get(spaceGreylist, key)
	if errors.Is(err, store.ErrNotFound) {
		return greyEntry{}, nil
	}
	if err != nil {
		return greyEntry{}, fmt.Errorf("read %s: %w", spaceGreylist, err)
	}
	e, err := decodeGreyEntry(v)
	if err != nil {
		// A damaged entry starts over rather than blocking the triplet.
		return greyEntry{}, nil
	}
	return e, nil
}

func (e greyEntry) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, unixOrZero(e.first))
	return binary.BigEndian.AppendUint64(b, unixOrZero(e.passed))
}

func decodeGreyEntry(v []byte) (greyEntry, error) {
	if len(v) != 16 {
		return greyEntry{}, fmt.Errorf("greylist entry of %d bytes: %w", len(v), store.ErrBadKey)
	}
	return greyEntry{
		first:  timeOrZero(binary.BigEndian.Uint64(v)),
		passed: timeOrZero(binary.BigEndian.Uint64(v[8:])),
	}, nil
}

func unixOrZero(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.Unix())
}

func timeOrZero(s uint64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0)
}
