package queue

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
	"github.com/foxcpp/go-mockdns"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a queue under test with its clock and stores.
type env struct {
	q     *Queue
	clock *clock
	kv    store.KV
	blobs store.BlobStore
	local *localSink
}

// newEnv starts a queue on memory stores; opts may preset fields.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	e := &env{clock: newClock(), kv: opts.KV, blobs: opts.Blobs, local: &localSink{}}
	if e.kv == nil {
		e.kv = memory.New()
	}
	if e.blobs == nil {
		e.blobs = memory.NewBlobs()
	}
	opts.KV, opts.Blobs = e.kv, e.blobs
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.Local == nil {
		opts.Local = e.local
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	opts.Hostname = "mx.example.com"
	q, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e.q = q
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		q.Shutdown(ctx)
	})
	return e
}

// localSink takes mail for example.com.
type localSink struct {
	mu   sync.Mutex
	msgs []sunk
}

type sunk struct {
	from  string
	rcpts []string
	data  []byte
}

func (l *localSink) IsLocalDomain(_ context.Context, d string) (bool, error) {
	return d == "example.com", nil
}

func (l *localSink) DeliverLocal(_ context.Context, from string, rcpts []string,
	r io.Reader) ([]error, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.msgs = append(l.msgs, sunk{from, rcpts, b})
	l.mu.Unlock()
	return nil, nil
}

func (l *localSink) got() []sunk {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sunk(nil), l.msgs...)
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// remote runs scripted SMTP servers as the MX hosts of example.net,
// in preference order; nil entries are hosts that are down.
func remote(t *testing.T, servers ...*clienttest.Server) *client.Deliverer {
	t.Helper()
	ports := map[string]int{}
	var hosts []string
	for i, s := range servers {
		h := fmt.Sprintf("mx%d.example.net", i+1)
		hosts = append(hosts, h)
		if s == nil {
			continue
		}
		if _, err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		ports[h] = s.Port()
	}
	z := map[string]mockdns.Zone{}
	var mx []net.MX
	for i, h := range hosts {
		mx = append(mx, net.MX{Host: h + ".", Pref: uint16(10 * (i + 1))})
		z[h+"."] = mockdns.Zone{A: []string{"127.0.0.1"}}
	}
	z["example.net."] = mockdns.Zone{MX: mx}
	return client.New(client.Options{Resolver: &mockdns.Resolver{Zones: z},
		Timeout: 5 * time.Second,
		Dial: func(ctx context.Context, tg client.Target) (net.Conn, error) {
			p, ok := ports[tg.Host]
			if !ok {
				return nil, fmt.Errorf("dial %s: connection refused", tg.Host)
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", p))
		}})
}

// message returns a small message with the given subject.
func testMessage(subject string) io.Reader {
	return strings.NewReader("From: fay@example.com\r\nTo: gus@example.net\r\n" +
		"Subject: " + subject + "\r\nMessage-ID: <" + subject + "@example.com>\r\n\r\n" +
		"Hello.\r\n")
}

// submit queues a message and fails the test on error.
func submit(t *testing.T, q *Queue, env Envelope, subject string) string {
	t.Helper()
	id, err := q.Submit(context.Background(), env, testMessage(subject))
	if err != nil {
		t.Fatalf("Submit = %v", err)
	}
	return id
}

func to(addrs ...string) []RecipientSpec {
	var out []RecipientSpec
	for _, a := range addrs {
		out = append(out, RecipientSpec{Address: a})
	}
	return out
}

// queueEmpty reports whether no message is left.
func queueEmpty(q *Queue) bool {
	m, err := q.Metrics(context.Background())
	return err == nil && m.Messages == 0
}

func subjectOf(data []byte) string {
	for _, l := range bytes.Split(data, []byte("\r\n")) {
		if s, ok := bytes.CutPrefix(l, []byte("Subject: ")); ok {
			return string(s)
		}
	}
	return ""
}

func ioCopy(w io.Writer, r io.Reader) (int64, error) { return io.Copy(w, r) }
