package queue

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
)

func TestManagement(t *testing.T) {
	srv := &clienttest.Server{OnRcpt: func(string) string { return "451 4.3.0 later" }}
	e := newEnv(t, Options{Transport: remote(t, srv)})
	ctx := context.Background()
	id := submit(t, e.q, Envelope{From: "fay@example.com",
		Recipients: to("a@example.net", "b@example.net")}, "manage")
	waitFor(t, "attempt", func() bool {
		m, err := e.q.Inspect(ctx, id)
		return err == nil && m.Recipients[1].Attempts == 1 && m.LeaseOwner == ""
	})
	list, err := e.q.List(ctx, 0)
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("List = %v, %v", list, err)
	}
	e.clock.Advance(time.Hour)
	mt, _ := e.q.Metrics(ctx)
	if mt.Messages != 1 || mt.Recipients != 2 || mt.Oldest != time.Hour ||
		mt.Deferred["4.3.0"] != 2 {
		t.Errorf("Metrics = %+v", mt)
	}
	e.clock.Advance(-time.Hour)

	if err := e.q.Cancel(ctx, id, "a@example.net"); err != nil {
		t.Fatal(err)
	}
	m, _ := e.q.Inspect(ctx, id)
	if m.Recipients[0].State != Cancelled || m.Recipients[1].State != Queued {
		t.Errorf("after Cancel: %v %v", m.Recipients[0].State, m.Recipients[1].State)
	}
	if err := e.q.Retry(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retry now", func() bool {
		m, err := e.q.Inspect(ctx, id)
		return err == nil && m.Recipients[1].Attempts == 2 && m.LeaseOwner == ""
	})
	if err := e.q.Cancel(ctx, id, "nobody@example.net"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel(unknown recipient) = %v, want ErrNotFound", err)
	}
	if err := e.q.Cancel(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.Inspect(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Inspect after Cancel = %v, want ErrNotFound", err)
	}
	if len(e.local.got()) != 0 {
		t.Error("cancelling sent a notification")
	}
}

func TestSubmitErrors(t *testing.T) {
	e := newEnv(t, Options{Transport: remote(t, &clienttest.Server{})})
	ctx := context.Background()
	_, err := e.q.Submit(ctx, Envelope{From: "a@example.com"}, testMessage("x"))
	if !errors.Is(err, ErrNoRecipients) {
		t.Errorf("Submit without recipients = %v", err)
	}
	_, err = e.q.Submit(ctx, Envelope{Recipients: to("nodomain")}, testMessage("x"))
	if err == nil {
		t.Error("Submit accepted a recipient without a domain")
	}
	e.q.Shutdown(ctx)
	_, err = e.q.Submit(ctx, Envelope{Recipients: to("a@example.net")}, testMessage("x"))
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Shutdown = %v, want ErrClosed", err)
	}
}

func TestDKIMSigning(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	sink := &clienttest.Server{}
	e := newEnv(t, Options{Transport: remote(t, sink), Sign: DKIMSigner(
		map[string][]*mailauth.Signer{"example.com": {{Domain: "example.com",
			Selector: "s1", Key: key}}})})
	submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("gus@example.net")}, "signed")
	submit(t, e.q, Envelope{From: "x@other.test", Recipients: to("gus@example.net")}, "unsigned")
	waitFor(t, "deliveries", func() bool { return len(sink.Messages()) == 2 })
	for _, m := range sink.Messages() {
		signed := strings.HasPrefix(string(m.Data), "DKIM-Signature:")
		if want := subjectOf(m.Data) == "signed"; signed != want {
			t.Errorf("%q signed=%v, want %v", subjectOf(m.Data), signed, want)
		}
		if signed && !strings.Contains(string(m.Data), "d=example.com") {
			t.Errorf("signature lacks d=example.com: %q", m.Data)
		}
	}
}

// gate is a Transport that counts concurrent deliveries per domain.
type gate struct {
	mu       sync.Mutex
	cur, max int
	order    []string
}

func (g *gate) Deliver(ctx context.Context, _ string, m *client.Message) ([]error, error) {
	g.mu.Lock()
	g.cur++
	g.max = max(g.max, g.cur)
	g.order = append(g.order, m.Recipients[0].Address)
	g.mu.Unlock()
	time.Sleep(10 * time.Millisecond)
	g.mu.Lock()
	g.cur--
	g.mu.Unlock()
	return nil, nil
}

func TestMaxPerDomain(t *testing.T) {
	g := &gate{}
	e := newEnv(t, Options{Transport: g, Workers: 8, MaxPerDomain: 2})
	for range 12 {
		submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to("a@example.net")}, "m")
	}
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	if g.max > 2 || g.max == 0 {
		t.Errorf("max concurrent deliveries to one domain = %d, want 1..2", g.max)
	}
}

// held is a Transport that holds the first delivery until released
// and records the order of recipients.
type held struct {
	gate
	first   sync.Once
	release chan struct{}
}

func (h *held) Deliver(ctx context.Context, d string, m *client.Message) ([]error, error) {
	h.first.Do(func() { <-h.release })
	return h.gate.Deliver(ctx, d, m)
}

func TestPriority(t *testing.T) {
	h := &held{release: make(chan struct{})}
	e := newEnv(t, Options{Transport: h, Workers: 1})
	for _, r := range []struct {
		addr string
		prio int
	}{{"first@example.net", 0}, {"low1@example.net", 0}, {"low2@example.net", -1},
		{"urgent@example.net", 5}} {
		submit(t, e.q, Envelope{From: "fay@example.com", Recipients: to(r.addr),
			Priority: r.prio}, "p")
		time.Sleep(10 * time.Millisecond)
	}
	close(h.release)
	waitFor(t, "empty queue", func() bool { return queueEmpty(e.q) })
	want := "first@example.net urgent@example.net low1@example.net low2@example.net"
	if got := strings.Join(h.order, " "); got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}
