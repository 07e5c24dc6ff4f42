package queue

import (
	"errors"
	"slices"

	"github.com/bulwarkmail/bulwark/smtp/client"
)

// Actions of a delivery status notification (RFC 3464, section 2.3.3).
const (
	actionFailed    = "failed"
	actionDelayed   = "delayed"
	actionDelivered = "delivered"
)

// note asks for one recipient to be reported in a notification.
type note struct {
	idx    int
	action string
}

// apply moves the attempted recipients of m to their new state and
// returns the notifications they call for.
func (q *Queue) apply(m *Message, outs []outcome) []note {
	var notes []note
	for _, o := range outs {
		r := m.Recipients[o.idx]
		r.LastAttempt = o.at
		r.Attempts++
		if o.err == nil {
			r.State, r.Code, r.Status, r.Diagnostic = Delivered, 250, "2.0.0", ""
			if wants(r, "SUCCESS") {
				notes = append(notes, note{o.idx, actionDelivered})
			}
			continue
		}
		e := q.asClientError(m, o.err)
		r.Code, r.Status, r.Diagnostic, r.RemoteMTA = e.Code, e.StatusCode(), e.Text(), e.Host
		expired := !o.at.Before(m.Created.Add(q.opts.Expiry))
		if !e.Temporary() || expired {
			r.State = Failed
			if wants(r, "FAILURE") {
				notes = append(notes, note{o.idx, actionFailed})
			}
			continue
		}
		r.NextAttempt = o.at.Add(q.opts.backoff(r.Attempts))
		if end := m.Created.Add(q.opts.Expiry); r.NextAttempt.After(end) {
			r.NextAttempt = end // the last attempt falls at expiry
		}
		if q.opts.WarnAfter > 0 && !r.Warned && o.at.Sub(m.Created) >= q.opts.WarnAfter &&
			wants(r, "DELAY") {
			r.Warned = true
			notes = append(notes, note{o.idx, actionDelayed})
		}
	}
	if m.From == "" {
		return nil // RFC 3461, section 6.2: never notify a null reverse-path
	}
	return notes
}

// wants reports whether the recipient's NOTIFY asks for kind (RFC 3461,
// section 4.1); without NOTIFY, failures and delays are reported.
func wants(r *Recipient, kind string) bool {
	if len(r.Notify) == 0 {
		return kind != "SUCCESS"
	}
	return slices.Contains(r.Notify, kind)
}

// asClientError returns err as a *client.Error; other errors are
// temporary local failures whose detail goes to the log only.
func (q *Queue) asClientError(m *Message, err error) *client.Error {
	var e *client.Error
	if errors.As(err, &e) {
		return e
	}
	q.opts.Logger.Error("queue delivery failed", "msg", m.ID, "err", err)
	return &client.Error{Code: 451, Status: "4.3.0",
		Lines: []string{"Local error in processing"}, Err: err}
}
