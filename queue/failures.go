package queue

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwarkmail/bulwark/mailenv"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store"
)

// EnqueueFailures takes over the recipients whose delivery failed after
// the SMTP server accepted a message for others; it implements
// smtp.FailureRelay. Each failure counts as a first attempt: temporary
// ones stay queued and are retried on Options.Backoff (for a local
// domain through Options.Local), permanent ones are failed at once and
// reported to env's reverse-path in one delivery status notification as
// their NOTIFY asks (RFC 3461, section 4.1; RFC 5321, section 6.1),
// never to the null reverse-path. It returns once the record and the
// notification are durable. The message is not signed: it arrived from
// elsewhere.
func (q *Queue) EnqueueFailures(ctx context.Context, env *mailenv.Envelope,
	failed []mailenv.Failure, r io.Reader) error {
	e := fromEnvelope(env)
	for _, f := range failed {
		e.Recipients = append(e.Recipients, RecipientSpec{Address: f.Recipient.Address,
			Notify: f.Recipient.Notify, ORcpt: f.Recipient.ORcpt})
	}
	if err := q.accepting(e); err != nil {
		return err
	}
	scan := &eightBitReader{r: r}
	h, size, err := q.opts.Blobs.Put(ctx, scan)
	if err != nil {
		return fmt.Errorf("queue failed recipients: %w", err)
	}
	m := q.newMessage(e, h, size, scan.seen)
	outs := make([]outcome, len(failed))
	for i, f := range failed {
		outs[i] = outcome{idx: i, at: m.Created, err: &client.Error{Code: f.Code,
			Status: f.Status, Lines: []string{f.Text}}}
	}
	notes := q.apply(m, outs)
	m.Due = m.nextDue()
	var dsn *Message
	if len(notes) > 0 {
		if dsn, err = q.buildDSN(ctx, m, notes); err != nil {
			return err
		}
	}
	err = q.opts.KV.Update(ctx, func(tx store.Tx) error {
		if !m.final() {
			if err := insert(tx, m); err != nil {
				return err
			}
		}
		if dsn != nil {
			return insert(tx, dsn)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue failed recipients: %w", err)
	}
	q.count(m, outs)
	q.opts.Logger.Info("failed recipients queued", "msg", m.ID, "from", m.From,
		"rcpts", len(m.Recipients), "retry", !m.final(), "notified", dsn != nil)
	if dsn != nil {
		q.Wake()
	}
	return nil
}
