package mailstore

import (
	"slices"
	"sync"
)

// Notifier carries change events from writers to subscribers: IMAP IDLE
// and NOTIFY, JMAP push. The in-process LocalNotifier is the default; an
// implementation that spans nodes can replace it.
type Notifier interface {
	// Publish announces a committed change. It must not block.
	Publish(ev Event)
	// Subscribe returns a channel of the events of one account and a
	// function that ends the subscription and closes the channel.
	Subscribe(account string) (<-chan Event, func())
}

// LocalNotifier is an in-process Notifier. A slow subscriber never blocks
// a writer: events it has not read yet are merged into one that carries
// the latest MODSEQ and the union of mailboxes and kinds.
type LocalNotifier struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{}
}

var _ Notifier = (*LocalNotifier)(nil)

type subscriber struct {
	mu     sync.Mutex
	ch     chan Event
	closed bool
}

// NewLocalNotifier returns an in-process Notifier.
func NewLocalNotifier() *LocalNotifier {
	return &LocalNotifier{subs: map[string]map[*subscriber]struct{}{}}
}

// Subscribe implements Notifier.
func (n *LocalNotifier) Subscribe(account string) (<-chan Event, func()) {
	sub := &subscriber{ch: make(chan Event, 1)}
	n.mu.Lock()
	if n.subs[account] == nil {
		n.subs[account] = map[*subscriber]struct{}{}
	}
	n.subs[account][sub] = struct{}{}
	n.mu.Unlock()

	var once sync.Once
	cancel := func() {
		once.Do(func() {
			n.mu.Lock()
			delete(n.subs[account], sub)
			if len(n.subs[account]) == 0 {
				delete(n.subs, account)
			}
			n.mu.Unlock()
			sub.mu.Lock()
			sub.closed = true
			close(sub.ch)
			sub.mu.Unlock()
		})
	}
	return sub.ch, cancel
}

// Publish implements Notifier.
func (n *LocalNotifier) Publish(ev Event) {
	n.mu.Lock()
	subs := make([]*subscriber, 0, len(n.subs[ev.Account]))
	for sub := range n.subs[ev.Account] {
		subs = append(subs, sub)
	}
	n.mu.Unlock()
	for _, sub := range subs {
		sub.send(ev)
	}
}

// send delivers ev without blocking: if an event is still waiting in the
// channel it is taken back and merged with ev.
func (sub *subscriber) send(ev Event) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.closed {
		return
	}
	select {
	case sub.ch <- ev:
		return
	default:
	}
	select {
	case old := <-sub.ch:
		ev = mergeEvents(old, ev)
	default:
	}
	// The channel has room now: only this goroutine sends, under mu.
	select {
	case sub.ch <- ev:
	default:
	}
}

func mergeEvents(a, b Event) Event {
	out := Event{Account: b.Account, ModSeq: max(a.ModSeq, b.ModSeq), Kinds: a.Kinds | b.Kinds}
	out.Mailboxes = append(append(out.Mailboxes, a.Mailboxes...), b.Mailboxes...)
	slices.Sort(out.Mailboxes)
	out.Mailboxes = slices.Compact(out.Mailboxes)
	return out
}

// Subscribe returns a channel of the change events of an account and a
// function that ends the subscription. Events are merged while the
// subscriber is busy, so a receiver sees the latest state, not every step.
func (s *Store) Subscribe(account string) (<-chan Event, func()) {
	return s.notifier.Subscribe(account)
}
