package mailtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
)

// Attempt is one delivery attempt of the queue (Options.Queue) to the
// MX hosts of a remote domain.
type Attempt struct {
	// At is the clock's time when the attempt ended.
	At time.Time
	// Domain is the recipients' domain; From the reverse-path, "" for
	// a notification.
	Domain, From string
	// Recipients are the addresses tried; Errors holds the result of
	// each: nil when delivered, else the *client.Error with the remote
	// reply (or the local cause, such as a TLS failure).
	Recipients []string
	Errors     []error
}

// Code returns the reply code for the i-th recipient: 250 when it was
// delivered, else the failure's code (4xx: retried, 5xx: bounced; RFC
// 5321, section 4.2.1), 0 for a failure without one.
func (a Attempt) Code(i int) int {
	if i < 0 || i >= len(a.Errors) {
		return 0
	}
	if a.Errors[i] == nil {
		return 250
	}
	var ce *client.Error
	if errors.As(a.Errors[i], &ce) {
		return ce.Code
	}
	return 0
}

// attemptLog keeps the attempts in order with a read cursor, waking
// waiters on each one.
type attemptLog struct {
	mu      sync.Mutex
	list    []Attempt
	read    int
	arrived chan struct{}
}

func newAttemptLog() *attemptLog { return &attemptLog{arrived: make(chan struct{})} }

func (l *attemptLog) add(a Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, a)
	close(l.arrived)
	l.arrived = make(chan struct{})
}

// Attempts returns the queue's delivery attempts to remote domains,
// oldest first; nil on a server without the queue.
func (s *Server) Attempts() []Attempt {
	if s.attempts == nil {
		return nil
	}
	s.attempts.mu.Lock()
	defer s.attempts.mu.Unlock()
	return append([]Attempt(nil), s.attempts.list...)
}

// NextAttempt returns the next attempt that no earlier NextAttempt or
// WaitAttempt returned, waiting for it until ctx ends. It returns once
// the queue has recorded the attempt's outcome and settled
// (SettleQueue), so that the clock can be moved to the retry at once.
func (s *Server) NextAttempt(ctx context.Context) (Attempt, error) {
	l := s.attempts
	if l == nil {
		return Attempt{}, errNoQueue
	}
	for {
		l.mu.Lock()
		if l.read < len(l.list) {
			a := l.list[l.read]
			l.read++
			l.mu.Unlock()
			return a, s.SettleQueue(ctx)
		}
		arrived := l.arrived
		l.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Attempt{}, fmt.Errorf("wait for delivery attempt: %w", ctx.Err())
		}
	}
}

// WaitAttempt is NextAttempt for a test: it waits up to timeout and,
// when no attempt comes, reports t.Fatalf.
func (s *Server) WaitAttempt(t testing.TB, timeout time.Duration) Attempt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	a, err := s.NextAttempt(ctx)
	if err != nil {
		t.Fatalf("mailtest: no delivery attempt within %v: %v", timeout, err)
	}
	return a
}
