package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store"
)

// outcome is the result of one attempt for one recipient.
type outcome struct {
	idx int
	err error // nil when delivered
	at  time.Time
}

// process leases one message, delivers its due recipients domain by
// domain, and records the outcomes.
func (q *Queue) process(id string) {
	ctx := q.runCtx
	m, err := q.claim(ctx, id)
	if err != nil {
		q.opts.Logger.Error("queue claim failed", "msg", id, "err", err)
		return
	}
	if m == nil {
		return
	}
	var outs []outcome
	for _, g := range q.groups(m) {
		if ctx.Err() != nil || !q.renew(ctx, m) {
			break
		}
		outs = append(outs, q.deliverGroup(ctx, m, g)...)
	}
	if err := q.finish(context.WithoutCancel(ctx), m, outs); err != nil {
		q.opts.Logger.Error("queue update failed", "msg", id, "err", err)
	}
}

// renew extends the lease of m once half of it has run, so that a
// message with many domains keeps it. It reports false when the lease
// was lost to another node.
func (q *Queue) renew(ctx context.Context, m *Message) bool {
	now := q.opts.Now()
	if m.LeaseUntil.Sub(now) > q.opts.LeaseTime/2 {
		return true
	}
	mine := false
	err := q.opts.KV.Update(ctx, func(tx store.Tx) error {
		cur, err := load(tx, m.ID)
		if err != nil {
			return err
		}
		if mine = cur.LeaseOwner == q.opts.Node; !mine {
			return nil
		}
		old := cur.Due
		cur.LeaseUntil = now.Add(q.opts.LeaseTime)
		cur.Due = cur.LeaseUntil
		return save(tx, cur, old)
	})
	if err != nil || !mine {
		q.opts.Logger.Warn("queue lease lost", "msg", m.ID, "err", err)
		return false
	}
	m.LeaseUntil = now.Add(q.opts.LeaseTime)
	return true
}

// group is the due recipients of one domain.
type group struct {
	domain string
	idx    []int
}

// groups splits the due recipients by domain, in order of appearance.
func (q *Queue) groups(m *Message) []group {
	now := q.opts.Now()
	var gs []group
	pos := map[string]int{}
	for i, r := range m.Recipients {
		if r.State != Queued || r.NextAttempt.After(now) {
			continue
		}
		d := domain(r.Address)
		j, ok := pos[d]
		if !ok {
			j = len(gs)
			pos[d] = j
			gs = append(gs, group{domain: d})
		}
		gs[j].idx = append(gs[j].idx, i)
	}
	return gs
}

// deliverGroup sends the message to one domain's recipients. Outcomes
// cut short by shutdown are dropped: the recipients stay due.
func (q *Queue) deliverGroup(ctx context.Context, m *Message, g group) []outcome {
	release, err := q.domainSlot(ctx, g.domain)
	if err != nil {
		return nil
	}
	defer release()
	res, err := q.send(ctx, m, g)
	cut := ctx.Err() != nil
	now := q.opts.Now()
	outs := make([]outcome, 0, len(g.idx))
	for i, idx := range g.idx {
		o := outcome{idx: idx, err: err, at: now}
		if err == nil && i < len(res) {
			o.err = res[i]
		}
		// A success is kept even when shutdown came after it, so that
		// the recipient is not sent the message twice.
		if !cut || o.err == nil {
			outs = append(outs, o)
		}
	}
	return outs
}

// send hands one domain's recipients to the local store or the
// transport.
func (q *Queue) send(ctx context.Context, m *Message, g group) ([]error, error) {
	local := false
	if q.opts.Local != nil {
		var err error
		local, err = q.opts.Local.IsLocalDomain(ctx, g.domain)
		if err != nil {
			return nil, fmt.Errorf("check local domain: %w", err)
		}
	}
	if local {
		rc, err := q.open(ctx, m)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		addrs := make([]string, len(g.idx))
		for i, idx := range g.idx {
			addrs[i] = m.Recipients[idx].Address
		}
		return q.opts.Local.DeliverLocal(ctx, m.From, addrs, rc)
	}
	cm := &client.Message{From: m.From, Size: m.SizeSent(), EightBit: m.EightBit,
		SMTPUTF8: m.SMTPUTF8, RequireTLS: m.RequireTLS, Ret: m.Ret, EnvID: m.EnvID,
		Open: func() (io.ReadCloser, error) { return q.open(ctx, m) }}
	for _, idx := range g.idx {
		r := m.Recipients[idx]
		cm.Recipients = append(cm.Recipients,
			client.Recipient{Address: r.Address, Notify: r.Notify, ORcpt: r.ORcpt})
	}
	return q.opts.Transport.Deliver(ctx, g.domain, cm)
}

// open returns the message as sent: the prefix, then the blob.
func (q *Queue) open(ctx context.Context, m *Message) (io.ReadCloser, error) {
	h, err := store.ParseHash(m.Blob)
	if err != nil {
		return nil, err
	}
	rc, err := q.opts.Blobs.Open(ctx, h, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("open queued message %s: %w", m.ID, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(strings.NewReader(m.Prefix), rc), rc}, nil
}

// domainSlot takes one of the domain's delivery slots.
func (q *Queue) domainSlot(ctx context.Context, d string) (func(), error) {
	q.mu.Lock()
	ch := q.domains[d]
	if ch == nil {
		ch = make(chan struct{}, q.opts.MaxPerDomain)
		q.domains[d] = ch
	}
	q.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// finish records the outcomes, queues the notifications they call for
// and releases the lease, in one transaction, so that a crash either
// keeps the attempt whole or loses it whole.
func (q *Queue) finish(ctx context.Context, claimed *Message, outs []outcome) error {
	notes := q.apply(claimed, outs)
	var dsns []*Message
	if len(notes) > 0 {
		d, err := q.buildDSN(ctx, claimed, notes)
		if err != nil {
			q.opts.Logger.Error("notification not generated", "msg", claimed.ID, "err", err)
		} else {
			dsns = append(dsns, d)
		}
	}
	var final bool
	err := q.opts.KV.Update(ctx, func(tx store.Tx) error {
		cur, err := load(tx, claimed.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // cancelled meanwhile
		}
		if err != nil {
			return err
		}
		merge(cur, claimed, outs)
		for _, d := range dsns {
			if err := insert(tx, d); err != nil {
				return err
			}
		}
		final = cur.final()
		if final {
			return remove(tx, cur)
		}
		old := cur.Due
		if cur.LeaseOwner == q.opts.Node {
			cur.LeaseOwner, cur.LeaseUntil, cur.Due = "", time.Time{}, cur.nextDue()
		}
		return save(tx, cur, old)
	})
	if err == nil {
		q.count(claimed, outs)
		if len(dsns) > 0 {
			q.Wake()
		}
	}
	return err
}

// merge copies the attempted recipients' new state into the stored
// record, leaving those changed meanwhile (cancelled) alone.
func merge(cur, claimed *Message, outs []outcome) {
	for _, o := range outs {
		if o.idx < len(cur.Recipients) && cur.Recipients[o.idx].State == Queued {
			cur.Recipients[o.idx] = claimed.Recipients[o.idx]
		}
	}
}

// insert stores a new message record and its blob reference.
func insert(tx store.Tx, m *Message) error {
	h, err := store.ParseHash(m.Blob)
	if err != nil {
		return err
	}
	if _, err := (store.BlobRefs{}).Inc(tx, h); err != nil {
		return err
	}
	return save(tx, m, time.Time{})
}
