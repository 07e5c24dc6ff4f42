package spamfilter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
)

// The watcher's spaces.
const (
	// spaceWatchState maps an account to the MODSEQ its changes were
	// read up to.
	spaceWatchState store.Space = "spam_watch_state"
	// spaceWatchJunk holds account + email id for each email that was in
	// the account's Junk mailbox when last seen.
	spaceWatchJunk store.Space = "spam_watch_junk"
)

// MailSource is the part of the mail store a JunkWatcher reads;
// *mailstore.Store is one.
type MailSource interface {
	MessageSource
	Accounts(ctx context.Context) ([]string, error)
	Subscribe(account string) (<-chan mailstore.Event, func())
	HighestModSeq(ctx context.Context, account string) (uint64, error)
	ChangesOf(ctx context.Context, account string, kinds mailstore.Kind, since uint64,
		max int) (mailstore.Changes, error)
	Emails(ctx context.Context, account string, ids []mailstore.EmailID) ([]*mailstore.Email, error)
	Mailboxes(ctx context.Context, account string) ([]mailstore.Mailbox, error)
	List(ctx context.Context, account string,
		mbox mailstore.MailboxID) ([]mailstore.Entry, mailstore.Mailbox, error)
}

// JunkWatcher trains a Filter from what users do, whatever the protocol:
// it follows each account's change notifications and change log, and
// calls Train when an email enters the Junk mailbox (spam) or leaves it
// for a mailbox other than Trash (ham). Emails the filter files in Junk
// (flagged with X-Spam-Flag: YES) are remembered but not trained; one
// that arrived and moved into Junk between two reads of the change log
// trains as spam. The first time it sees an account it starts from the
// account's present state.
type JunkWatcher struct {
	// Filter is trained; it needs Options.KV, which also holds the
	// watcher's state. Required.
	Filter *Filter
	// Source is the mail store. Required.
	Source MailSource
	// Rescan is how often the account list is read again to follow new
	// accounts. Default 1 minute.
	Rescan time.Duration
	// Settle is how long the watcher gathers an account's change
	// notifications before it reads the change log once for all of
	// them: a busy inbox then costs one read a Settle, not one a
	// message. Default 1 second; negative reads at once.
	Settle time.Duration
	// Logger receives training events and errors. Nil discards.
	Logger *slog.Logger
}

// Run watches every account until ctx ends, then returns ctx's error
// once its goroutines have stopped.
func (w *JunkWatcher) Run(ctx context.Context) error {
	if w.Filter == nil || w.Source == nil || w.Filter.opts.KV == nil {
		return ErrNoStore
	}
	rescan := w.Rescan
	if rescan <= 0 {
		rescan = time.Minute
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	watching := map[string]context.CancelFunc{}
	defer func() {
		for _, cancel := range watching {
			cancel()
		}
	}()
	t := time.NewTicker(rescan)
	defer t.Stop()
	for {
		accounts, err := w.Source.Accounts(ctx)
		if err != nil && ctx.Err() == nil {
			w.logger().Warn("spamfilter watch: list accounts", "err", err)
		}
		w.follow(ctx, &wg, watching, accounts)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// follow starts a watch for each new account and stops those of accounts
// that are gone.
func (w *JunkWatcher) follow(ctx context.Context, wg *sync.WaitGroup,
	watching map[string]context.CancelFunc, accounts []string) {
	present := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		present[a] = true
		if watching[a] != nil {
			continue
		}
		actx, cancel := context.WithCancel(ctx)
		watching[a] = cancel
		wg.Go(func() { w.watch(actx, a) })
	}
	for a, cancel := range watching {
		if !present[a] {
			cancel()
			delete(watching, a)
		}
	}
}

// watch syncs an account at start and after each change notification.
func (w *JunkWatcher) watch(ctx context.Context, account string) {
	events, cancel := w.Source.Subscribe(account)
	defer cancel()
	for {
		if err := w.Sync(ctx, account); err != nil && ctx.Err() == nil {
			w.logger().Warn("spamfilter watch", "account", account, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok || !w.settle(ctx, events) {
				return
			}
		}
	}
}

// settle drains the notifications that arrive for Settle after one, and
// reports whether the watch goes on.
func (w *JunkWatcher) settle(ctx context.Context, events <-chan mailstore.Event) bool {
	d := w.Settle
	if d == 0 {
		d = time.Second
	}
	if d < 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case _, ok := <-events:
			if !ok {
				return false
			}
		}
	}
}

// Sync reads the account's email changes since the last Sync and trains
// from the moves into and out of Junk among them. Run calls it; a host
// may call it directly, as tests do.
func (w *JunkWatcher) Sync(ctx context.Context, account string) error {
	since, known, err := w.state(ctx, account)
	if err != nil {
		return err
	}
	if !known {
		return w.baseline(ctx, account)
	}
	for {
		ch, err := w.changes(ctx, account, since)
		if errors.Is(err, mailstore.ErrChangesTrimmed) {
			return w.baseline(ctx, account)
		}
		if err != nil {
			return err
		}
		if err := w.apply(ctx, account, ch); err != nil {
			return err
		}
		if err := w.setState(ctx, account, ch.NewState); err != nil {
			return err
		}
		since = ch.NewState
		if !ch.HasMore {
			return nil
		}
	}
}

// changes reads a batch of email changes, all of one MODSEQ at least.
func (w *JunkWatcher) changes(ctx context.Context, account string,
	since uint64) (mailstore.Changes, error) {
	ch, err := w.Source.ChangesOf(ctx, account, mailstore.KindEmail, since, 500)
	if errors.Is(err, mailstore.ErrTooManyChanges) {
		ch, err = w.Source.ChangesOf(ctx, account, mailstore.KindEmail, since, 0)
	}
	if err != nil {
		return ch, fmt.Errorf("read changes: %w", err)
	}
	return ch, nil
}

// apply compares each changed email's place with the one remembered.
func (w *JunkWatcher) apply(ctx context.Context, account string, ch mailstore.Changes) error {
	junk, trash, err := w.roles(ctx, account)
	if err != nil {
		return err
	}
	created := make(map[mailstore.EmailID]bool, len(ch.Emails.Created))
	for _, id := range ch.Emails.Created {
		created[id] = true
	}
	ids := append(append([]mailstore.EmailID(nil), ch.Emails.Created...), ch.Emails.Updated...)
	emails, err := w.Source.Emails(ctx, account, ids)
	if err != nil {
		return fmt.Errorf("read emails: %w", err)
	}
	for i, e := range emails {
		if e == nil {
			if err := w.setJunk(ctx, account, ids[i], false); err != nil {
				return err
			}
			continue
		}
		if err := w.place(ctx, account, e, junk, trash, created[e.ID]); err != nil {
			return err
		}
	}
	for _, id := range ch.Emails.Destroyed {
		if err := w.setJunk(ctx, account, id, false); err != nil {
			return err
		}
	}
	return nil
}

// place trains from one email's move, if it moved into or out of Junk.
func (w *JunkWatcher) place(ctx context.Context, account string, e *mailstore.Email,
	junk, trash mailstore.MailboxID, created bool) error {
	_, inJunk := e.Mailboxes[junk]
	was, err := w.wasJunk(ctx, account, e.ID)
	if err != nil || inJunk == was {
		return err
	}
	if err := w.setJunk(ctx, account, e.ID, inJunk); err != nil {
		return err
	}
	from, to := mailstore.RoleInbox, mailstore.RoleJunk
	if !inJunk {
		from, to = mailstore.RoleJunk, ""
		if _, inTrash := e.Mailboxes[trash]; inTrash || len(e.Mailboxes) == 0 {
			to = mailstore.RoleTrash
		}
	}
	if created && inJunk {
		// Arrived in Junk since the last look: filed there by this
		// filter (its flag says so) or moved there by the user soon
		// after arrival, which trains.
		filed, err := w.filedByFilter(ctx, account, e)
		if err != nil || filed {
			return err
		}
	}
	changed, err := w.Filter.Moved(ctx, w.Source, account, e.ID, from, to)
	if err != nil {
		return err
	}
	if changed {
		w.logger().LogAttrs(ctx, slog.LevelInfo, "spamfilter trained",
			slog.String("account", account), slog.String("email", string(e.ID)),
			slog.Bool("spam", inJunk))
	}
	return nil
}

// roles returns the ids of the account's Junk and Trash mailboxes, empty
// when it has none.
func (w *JunkWatcher) roles(ctx context.Context, account string) (junk, trash mailstore.MailboxID,
	err error) {
	boxes, err := w.Source.Mailboxes(ctx, account)
	if err != nil {
		return "", "", fmt.Errorf("read mailboxes: %w", err)
	}
	for _, b := range boxes {
		switch b.Role {
		case mailstore.RoleJunk:
			junk = b.ID
		case mailstore.RoleTrash:
			trash = b.ID
		}
	}
	return junk, trash, nil
}

// baseline remembers what the Junk mailbox holds now and starts reading
// changes from the present MODSEQ, training nothing.
func (w *JunkWatcher) baseline(ctx context.Context, account string) error {
	high, err := w.Source.HighestModSeq(ctx, account)
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	junk, _, err := w.roles(ctx, account)
	if err != nil {
		return err
	}
	var entries []mailstore.Entry
	if junk != "" {
		if entries, _, err = w.Source.List(ctx, account, junk); err != nil {
			return fmt.Errorf("list junk: %w", err)
		}
	}
	prefix := store.AppendString(nil, account)
	err = w.Filter.opts.KV.Update(ctx, func(tx store.Tx) error {
		if err := deletePrefix(tx, spaceWatchJunk, prefix); err != nil {
			return err
		}
		for _, e := range entries {
			if err := tx.Put(spaceWatchJunk, junkKey(account, e.EmailID), nil); err != nil {
				return err
			}
		}
		return tx.Put(spaceWatchState, prefix, store.AppendUint64(nil, high))
	})
	if err != nil {
		return fmt.Errorf("record junk baseline: %w", err)
	}
	return nil
}

func deletePrefix(tx store.Tx, space store.Space, prefix []byte) error {
	var keys [][]byte
	err := tx.Scan(space, store.Prefix(prefix), func(k, _ []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(space, k); err != nil {
			return err
		}
	}
	return nil
}

func junkKey(account string, id mailstore.EmailID) []byte {
	return store.AppendString(store.AppendString(nil, account), string(id))
}

func (w *JunkWatcher) state(ctx context.Context, account string) (uint64, bool, error) {
	var q uint64
	known := false
	err := w.Filter.opts.KV.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceWatchState, store.AppendString(nil, account))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		q, _, err = store.ReadUint64(v)
		known = err == nil
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("read watch state: %w", err)
	}
	return q, known, nil
}

func (w *JunkWatcher) setState(ctx context.Context, account string, q uint64) error {
	err := w.Filter.opts.KV.Update(ctx, func(tx store.Tx) error {
		return tx.Put(spaceWatchState, store.AppendString(nil, account), store.AppendUint64(nil, q))
	})
	if err != nil {
		return fmt.Errorf("write watch state: %w", err)
	}
	return nil
}

func (w *JunkWatcher) wasJunk(ctx context.Context, account string, id mailstore.EmailID) (bool,
	error) {
	found := false
	err := w.Filter.opts.KV.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(spaceWatchJunk, junkKey(account, id))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read junk record: %w", err)
	}
	return found, nil
}

func (w *JunkWatcher) setJunk(ctx context.Context, account string, id mailstore.EmailID,
	in bool) error {
	err := w.Filter.opts.KV.Update(ctx, func(tx store.Tx) error {
		if in {
			return tx.Put(spaceWatchJunk, junkKey(account, id), nil)
		}
		return tx.Delete(spaceWatchJunk, junkKey(account, id))
	})
	if err != nil {
		return fmt.Errorf("write junk record: %w", err)
	}
	return nil
}

func (w *JunkWatcher) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

// flagScan caps the octets of a message's header that filedByFilter
// reads.
const flagScan = 64 << 10

// filedByFilter reports whether the filter marked the email as junk on
// arrival: its header holds X-Spam-Flag: YES. The filter strips the
// field from what senders send, so only its own verdict writes it.
func (w *JunkWatcher) filedByFilter(ctx context.Context, account string,
	e *mailstore.Email) (bool, error) {
	rc, err := w.Source.Open(ctx, account, e.ID, 0, flagScan)
	if err != nil {
		return false, fmt.Errorf("read header: %w", err)
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	for {
		line, err := br.ReadString('\n')
		trimmed := strings.TrimRight(line, "\r\n")
		if trimmed == "" {
			return false, nil
		}
		name, value, ok := strings.Cut(trimmed, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), HeaderFlag) &&
			strings.EqualFold(strings.TrimSpace(value), "YES") {
			return true, nil
		}
		if err != nil {
			return false, nil
		}
	}
}
