package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/mailenv"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store"
)

// Errors of the queue.
var (
	// ErrNotFound is returned by management calls for an unknown
	// message or recipient.
	ErrNotFound = errors.New("queue: not found")
	// ErrNoRecipients is returned by Submit without recipients.
	ErrNoRecipients = errors.New("queue: no recipients")
	// ErrClosed is returned by Submit after Shutdown.
	ErrClosed = errors.New("queue: shut down")
)

// Envelope is what Submit queues besides the content.
type Envelope struct {
	// From is the reverse-path; "" for a notification, which never
	// causes another (RFC 3461, section 6.2).
	From       string
	Recipients []RecipientSpec
	// Ret and EnvID are the DSN parameters of MAIL (RFC 3461, section
	// 4.3 and 4.4).
	Ret, EnvID string
	// RequireTLS is REQUIRETLS (RFC 8689); SMTPUTF8 asks for RFC 6531.
	RequireTLS, SMTPUTF8 bool
	// Priority orders due messages: higher first. Default 0.
	Priority int
}

// RecipientSpec is a recipient to queue with its DSN parameters.
type RecipientSpec struct {
	Address string
	// Notify is NOTIFY (RFC 3461, section 4.1); nil means the default:
	// failure and delay notifications.
	Notify []string
	// ORcpt is ORCPT, "addr-type;address".
	ORcpt string
}

// Queue is the persistent outbound queue. It is safe for concurrent use.
type Queue struct {
	opts Options

	wake    chan struct{}
	work    chan string
	stop    chan struct{}
	runCtx  context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped sync.Once

	// own is the Transport the queue made, closed by Shutdown.
	own *client.Deliverer

	mu       sync.Mutex
	inflight map[string]bool
	domains  map[string]chan struct{}
	stats    stats
}

// New opens the queue on opts.KV and opts.Blobs and starts delivering:
// messages left by an earlier run resume, those this node leased at
// once.
func New(ctx context.Context, opts Options) (*Queue, error) {
	if opts.KV == nil || opts.Blobs == nil {
		return nil, errors.New("queue: KV and Blobs are required")
	}
	opts.defaults()
	var own *client.Deliverer
	if opts.Transport == nil {
		own = client.New(client.Options{Hostname: opts.Hostname, Logger: opts.Logger})
		opts.Transport = own
	}
	q := &Queue{own: own, opts: opts, wake: make(chan struct{}, 1), work: make(chan string),
		stop: make(chan struct{}), inflight: map[string]bool{},
		domains: map[string]chan struct{}{}}
	if err := q.releaseOwnLeases(ctx); err != nil {
		return nil, err
	}
	q.runCtx, q.cancel = context.WithCancel(context.WithoutCancel(ctx))
	q.wg.Add(1 + opts.Workers)
	go q.schedule()
	for range opts.Workers {
		go q.worker()
	}
	return q, nil
}

// Wake makes the scheduler look for due messages now, as after a clock
// change in tests.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Shutdown stops the scheduler and the workers. Deliveries in progress
// finish until ctx ends; they are then cancelled and resume later, on
// this node after a restart or on another once the lease expires.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.stopped.Do(func() { close(q.stop) })
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	q.cancel()
	<-done
	if q.own != nil {
		q.own.Close()
	}
	return err
}

// Enqueue queues r for rcpts; it implements smtp.Relay.
func (q *Queue) Enqueue(ctx context.Context, from string, rcpts []string, r io.Reader) error {
	env := Envelope{From: from}
	for _, a := range rcpts {
		env.Recipients = append(env.Recipients, RecipientSpec{Address: a})
	}
	_, err := q.Submit(ctx, env, r)
	return err
}

// EnqueueEnvelope queues r with the DSN and REQUIRETLS parameters of
// env; it implements smtp.EnvelopeRelay. Each recipient's External
// addresses are queued, or its Address when it has none.
func (q *Queue) EnqueueEnvelope(ctx context.Context, env *mailenv.Envelope,
	rcpts []*mailenv.Recipient, r io.Reader) error {
	e := fromEnvelope(env)
	for _, rc := range rcpts {
		addrs := rc.External
		if len(addrs) == 0 {
			addrs = []string{rc.Address}
		}
		for _, a := range addrs {
			e.Recipients = append(e.Recipients,
				RecipientSpec{Address: a, Notify: rc.Notify, ORcpt: rc.ORcpt})
		}
	}
	_, err := q.Submit(ctx, e, r)
	return err
}

// fromEnvelope copies the message parameters of an SMTP envelope.
func fromEnvelope(env *mailenv.Envelope) Envelope {
	return Envelope{From: env.ReversePath, Ret: env.Ret, EnvID: env.EnvID,
		RequireTLS: env.RequireTLS, SMTPUTF8: env.SMTPUTF8}
}

// Submit queues r for env's recipients and returns the message id once
// the message is durable. The content is stored once in the BlobStore,
// signed first when Options.Sign is set.
func (q *Queue) Submit(ctx context.Context, env Envelope, r io.Reader) (string, error) {
	if err := q.accepting(env); err != nil {
		return "", err
	}
	scan := &eightBitReader{r: r}
	h, size, err := q.opts.Blobs.Put(ctx, scan)
	if err != nil {
		return "", fmt.Errorf("queue message: %w", err)
	}
	m := q.newMessage(env, h, size, scan.seen)
	if q.opts.Sign != nil {
		if m.Prefix, err = q.sign(ctx, env.From, h); err != nil {
			return "", err
		}
	}
	err = q.opts.KV.Update(ctx, func(tx store.Tx) error {
		if _, err := (store.BlobRefs{}).Inc(tx, h); err != nil {
			return err
		}
		return save(tx, m, time.Time{})
	})
	if err != nil {
		return "", fmt.Errorf("queue message: %w", err)
	}
	q.opts.Logger.Info("message queued", "msg", m.ID, "from", m.From,
		"rcpts", len(m.Recipients), "size", size)
	q.Wake()
	return m.ID, nil
}

// accepting checks that the queue runs and env can be queued.
func (q *Queue) accepting(env Envelope) error {
	select {
	case <-q.stop:
		return ErrClosed
	default:
	}
	if len(env.Recipients) == 0 {
		return ErrNoRecipients
	}
	for _, rc := range env.Recipients {
		if !strings.Contains(rc.Address, "@") {
			return fmt.Errorf("queue message: bad recipient %q", rc.Address)
		}
	}
	return nil
}

// newMessage builds the record of a new message.
func (q *Queue) newMessage(env Envelope, h store.Hash, size int64, eight bool) *Message {
	now := q.opts.Now()
	m := &Message{ID: newID(), From: env.From, Blob: h.String(), Size: size,
		Priority: env.Priority, Created: now, Ret: strings.ToUpper(env.Ret),
		EnvID: env.EnvID, RequireTLS: env.RequireTLS, SMTPUTF8: env.SMTPUTF8,
		EightBit: eight, Due: now}
	for _, rc := range env.Recipients {
		m.Recipients = append(m.Recipients, &Recipient{Address: rc.Address,
			Notify: upper(rc.Notify), ORcpt: rc.ORcpt, State: Queued, NextAttempt: now})
	}
	return m
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToUpper(v)
	}
	return out
}

// sign runs Options.Sign over the stored content.
func (q *Queue) sign(ctx context.Context, from string, h store.Hash) (string, error) {
	rc, err := q.opts.Blobs.Open(ctx, h, 0, -1)
	if err != nil {
		return "", fmt.Errorf("sign message: %w", err)
	}
	defer rc.Close()
	prefix, err := q.opts.Sign(ctx, from, rc)
	if err != nil {
		return "", fmt.Errorf("sign message: %w", err)
	}
	return prefix, nil
}

// eightBitReader notes whether any byte read has the high bit set.
type eightBitReader struct {
	r    io.Reader
	seen bool
}

func (e *eightBitReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if !e.seen {
		for _, b := range p[:n] {
			if b >= 0x80 {
				e.seen = true
				break
			}
		}
	}
	return n, err
}
