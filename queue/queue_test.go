package queue

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
)

func TestDeliverWithOneMXDown(t *testing.T) {
	sink := &clienttest.Server{Extensions: []string{"PIPELINING", "CHUNKING"}}
	e := newEnv(t, Options{Transport: remote(t, nil, sink)})
	submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net",
		"hal@example.net")}, "one down")
	waitFor(t, "delivery", func() bool { return len(sink.Messages()) == 1 })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	got := sink.Messages()[0]
	if len(got.To) != 2 || subjectOf(got.Data) != "one down" {
		t.Errorf("received %v %q, want both recipients in one transaction", got.To, got.Data)
	}
	m, _ := e.q.Metrics(context.Background())
	if m.Delivered != 2 {
		t.Errorf("Metrics.Delivered = %d, want 2", m.Delivered)
	}
}

func TestGreylistingRetry(t *testing.T) {
	var tries atomic.Int32
	sink := &clienttest.Server{OnRcpt: func(string) string {
		if tries.Add(1) == 1 {
			return "451-4.7.1 Greylisted,\r\n451 4.7.1 come back later"
		}
		return ""
	}}
	e := newEnv(t, Options{Transport: remote(t, sink)})
	id := submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
		"grey")
	waitFor(t, "first attempt", func() bool {
		m, err := e.q.Inspect(context.Background(), id)
		return err == nil && m.Recipients[0].Attempts == 1 && m.LeaseOwner == ""
	})
	m, _ := e.q.Inspect(context.Background(), id)
	r := m.Recipients[0]
	if r.State != Queued || r.Code != 451 || r.Status != "4.7.1" ||
		!r.NextAttempt.Equal(m.Created.Add(2*time.Minute)) {
		t.Fatalf("after greylisting: %+v, want queued 451 4.7.1 retry in 2m", r)
	}
	if r.Diagnostic != "Greylisted, come back later" {
		t.Errorf("Diagnostic = %q", r.Diagnostic)
	}
	time.Sleep(50 * time.Millisecond)
	if len(sink.Messages()) != 0 {
		t.Fatal("retried before the backoff")
	}
	e.clock.Advance(2 * time.Minute)
	e.q.Wake()
	waitFor(t, "retry", func() bool { return len(sink.Messages()) == 1 })
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	if len(e.local.got()) != 0 {
		t.Error("a notification was sent for a delivered message")
	}
}

func TestBackoffSchedule(t *testing.T) {
	sink := &clienttest.Server{OnRcpt: func(string) string { return "450 4.2.0 busy" }}
	e := newEnv(t, Options{Transport: remote(t, sink),
		Backoff: []time.Duration{time.Minute, 3 * time.Minute}})
	id := submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")},
		"backoff")
	start := e.clock.Now()
	want := []time.Duration{time.Minute, 4 * time.Minute, 7 * time.Minute}
	for i, w := range want {
		waitFor(t, "attempt", func() bool {
			m, err := e.q.Inspect(context.Background(), id)
			return err == nil && m.Recipients[0].Attempts == i+1 && m.LeaseOwner == ""
		})
		m, _ := e.q.Inspect(context.Background(), id)
		if got := m.Recipients[0].NextAttempt.Sub(start); got != w {
			t.Fatalf("attempt %d: next in %v, want %v", i+1, got, w)
		}
		e.clock.Advance(m.Recipients[0].NextAttempt.Sub(e.clock.Now()))
		e.q.Wake()
	}
}
