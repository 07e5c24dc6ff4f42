package mailtest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// settlePoll is how often, in real time, SettleQueue looks at the queue.
const settlePoll = 2 * time.Millisecond

// SettleQueue waits until the queue has nothing to do at the clock's
// time: no delivery runs and no queued message (notifications included)
// is due. What the attempts caused is then recorded: Attempts, the
// messages of RemoteMX hosts, notifications in local mailboxes. It
// fails when ctx ends first.
func (s *Server) SettleQueue(ctx context.Context) error {
	if s.queue == nil {
		return errNoQueue
	}
	for {
		idle, err := s.queueIdle(ctx)
		if err != nil {
			return fmt.Errorf("settle queue: %w", err)
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("settle queue: %w", ctx.Err())
		case <-time.After(settlePoll):
		}
	}
}

// queueIdle reports whether no message is leased or due.
func (s *Server) queueIdle(ctx context.Context) (bool, error) {
	msgs, err := s.queue.List(ctx, 0)
	if err != nil {
		return false, err
	}
	now := s.clock.Now()
	for _, m := range msgs {
		if m.LeaseOwner != "" || !m.Due.After(now) {
			return false, nil
		}
	}
	return true, nil
}

// WaitQueue is SettleQueue for a test: it waits up to timeout and, when
// the queue is still busy, reports t.Fatalf.
func (s *Server) WaitQueue(t testing.TB, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.SettleQueue(ctx); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
}

// AdvanceQueue settles the queue, moves the clock to the time the next
// queued message falls due (the next retry, or the expiry), and
// settles the queue again. It reports false, leaving the clock alone,
// when the queue is empty: calling it until then walks a message's
// whole retry schedule.
func (s *Server) AdvanceQueue(ctx context.Context) (bool, error) {
	if err := s.SettleQueue(ctx); err != nil {
		return false, err
	}
	msgs, err := s.queue.List(ctx, 0)
	if err != nil {
		return false, fmt.Errorf("advance queue: %w", err)
	}
	if len(msgs) == 0 {
		return false, nil
	}
	next := msgs[0].Due
	for _, m := range msgs[1:] {
		if m.Due.Before(next) {
			next = m.Due
		}
	}
	if next.After(s.clock.Now()) {
		s.clock.Set(next)
	}
	return true, s.SettleQueue(ctx)
}

// StepQueue is AdvanceQueue for a test: each step may take up to
// timeout, after which it reports t.Fatalf.
func (s *Server) StepQueue(t testing.TB, timeout time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	more, err := s.AdvanceQueue(ctx)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	return more
}
