package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// Options configures a Store. KV and Blobs are required; every other zero
// field takes the default its comment gives.
type Options struct {
	// KV holds every record of the model.
	KV store.KV
	// Blobs holds the raw messages, one blob per distinct message.
	Blobs store.BlobStore
	// Logger receives structured events; nil discards them.
	Logger *slog.Logger
	// Notifier carries change events; nil uses an in-process one.
	Notifier Notifier
	// Parse configures message parsing on arrival.
	Parse msgparse.Options

	// ChangeRetention is how long the change log and expunged UIDs are
	// kept for JMAP /changes and QRESYNC; older states get
	// ErrChangesTrimmed. Default 30 days.
	ChangeRetention time.Duration
	// BlobGrace is how long a blob must stay unreferenced before the
	// sweep of Purge deletes it; it protects blobs written by deliveries
	// and uploads still in flight (store.SweepOptions.Grace). Default 1
	// hour.
	BlobGrace time.Duration
	// QueryCache is the number of mailbox entries Query keeps decoded in
	// memory between queries, about 250 octets each (50 MB at the
	// default); the large mailboxes queried most recently are kept.
	// Negative disables the cache. Default 200,000.
	QueryCache int
	// MaxIndexText caps the octets of decoded text per message that go
	// into the full-text index. Default 256 KiB.
	MaxIndexText int
	// StemLanguage is the language whose Snowball stemmer reduces words
	// to their stems in the index, so that a Filter with Stemmed set
	// finds "reports" for "reporting": "english" (the default), "french",
	// "spanish", "russian", "swedish", "norwegian", "hungarian", or
	// "none".
	StemLanguage string
	// Now returns the current time; nil uses time.Now.
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultChangeRetention = 30 * 24 * time.Hour
	DefaultBlobGrace       = time.Hour
	DefaultMaxIndexText    = 256 << 10
	DefaultQueryCache      = 200_000
)

// minCachedMailbox is the fewest entries a mailbox must have for Query to
// cache it; smaller ones are read again each time.
const minCachedMailbox = 2000

// Store is the mail data model of Bulwark. It is safe for concurrent use.
type Store struct {
	kv       store.KV
	blobs    store.BlobStore
	log      *slog.Logger
	notifier Notifier
	opts     Options
	views    sync.Pool // of *[]view, see getViews
	cache    *viewCache
	// cacheMin is the fewest entries a mailbox needs to be cached.
	cacheMin int
	stemmer  *stemmer // nil without stemming
}

// New returns a Store on opts.KV and opts.Blobs, recording the layout
// version of each space it uses on first start.
func New(ctx context.Context, opts Options) (*Store, error) {
	if opts.KV == nil || opts.Blobs == nil {
		return nil, errors.New("mailstore: Options.KV and Options.Blobs are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Notifier == nil {
		opts.Notifier = NewLocalNotifier()
	}
	if opts.ChangeRetention <= 0 {
		opts.ChangeRetention = DefaultChangeRetention
	}
	if opts.BlobGrace <= 0 {
		opts.BlobGrace = DefaultBlobGrace
	}
	if opts.MaxIndexText <= 0 {
		opts.MaxIndexText = DefaultMaxIndexText
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.QueryCache == 0 {
		opts.QueryCache = DefaultQueryCache
	}
	if opts.StemLanguage == "" {
		opts.StemLanguage = "english"
	}
	st, err := newStemmer(opts.StemLanguage)
	if err != nil {
		return nil, err
	}
	s := &Store{kv: opts.KV, blobs: opts.Blobs, log: opts.Logger,
		notifier: opts.Notifier, opts: opts, cacheMin: minCachedMailbox, stemmer: st}
	if opts.QueryCache > 0 {
		s.cache = newViewCache(opts.QueryCache)
	}
	if err := s.initLayout(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// initLayout records the layout versions on a new store, or checks those
// recorded: the version of the mailstore as a whole (store.Layout, which
// the migrate package upgrades) and that of each space.
func (s *Store) initLayout(ctx context.Context) error {
	return s.kv.Update(ctx, func(tx store.Tx) error {
		l := store.Layout{Component: LayoutComponent}
		v, err := l.Version(tx)
		switch {
		case err != nil:
			return fmt.Errorf("init mailstore layout: %w", err)
		case v == 0:
			if err := l.SetVersion(tx, LayoutCurrent); err != nil {
				return fmt.Errorf("init mailstore layout: %w", err)
			}
		case v > LayoutCurrent:
			return fmt.Errorf("open mailstore layout %d: %w", v, store.ErrLayoutTooNew)
		case v < LayoutCurrent:
			return fmt.Errorf("open mailstore layout %d: %w", v, store.ErrNeedsMigration)
		}
		return s.initSpaces(tx)
	})
}

// initSpaces records or checks the layout version of each space.
func (s *Store) initSpaces(tx store.Tx) error {
	for sp, v := range layoutVersions {
		b, err := tx.Get(spaceMeta, []byte(sp))
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := tx.Put(spaceMeta, []byte(sp), []byte{v}); err != nil {
				return fmt.Errorf("init mailstore layout: %w", err)
			}
		case err != nil:
			return fmt.Errorf("init mailstore layout: %w", err)
		case len(b) != 1 || b[0] > v:
			return fmt.Errorf("open mailstore space %s: %w", sp, store.ErrLayoutTooNew)
		case b[0] < v:
			return fmt.Errorf("open mailstore space %s: %w", sp, store.ErrNeedsMigration)
		}
	}
	return nil
}

func (s *Store) now() time.Time { return s.opts.Now() }

// CreateAccount creates an account with the standard mailboxes (INBOX,
// Drafts, Sent, Junk, Trash, Archive, with their RFC 6154 roles). Creating
// an existing account is not an error.
func (s *Store) CreateAccount(ctx context.Context, account string) error {
	if account == "" {
		return fmt.Errorf("create account: %w", ErrInvalidName)
	}
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(spaceAccount, []byte(account)); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n, err := tx.Add(spaceCounter, ctrAccountKey, 1)
		if err != nil {
			return err
		}
		rec := accountRec{num: uint32(n)}
		if err := tx.Put(spaceAccount, []byte(account), rec.encode()); err != nil {
			return err
		}
		return s.createDefaultMailboxes(ctx, tx, account, rec)
	})
	if err != nil {
		return fmt.Errorf("create account %s: %w", account, err)
	}
	return nil
}

// defaultMailboxes are created with every account.
var defaultMailboxes = []struct{ name, role string }{
	{InboxName, RoleInbox}, {"Drafts", RoleDrafts}, {"Sent", RoleSent},
	{"Junk", RoleJunk}, {"Trash", RoleTrash}, {"Archive", RoleArchive},
}

func (s *Store) createDefaultMailboxes(ctx context.Context, tx store.Tx, account string,
	rec accountRec) error {
	w := s.newWriter(ctx, tx, account, rec)
	for i, d := range defaultMailboxes {
		mb, err := w.createMailbox(d.name, d.role)
		if err != nil {
			return err
		}
		mb.subscribed = true
		mb.sortOrder = uint32(i + 1)
	}
	return w.flush()
}

// DeleteAccount removes an account with all its mailboxes and emails; the
// blobs no longer referenced go at the next Purge.
func (s *Store) DeleteAccount(ctx context.Context, account string) error {
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		rec, err := getAccount(tx, account)
		if err != nil {
			return err
		}
		if err := s.releaseAccountBlobs(tx, rec.num); err != nil {
			return err
		}
		if err := deleteAccountACL(tx, account, rec.num); err != nil {
			return err
		}
		prefix := newKey(rec.num)
		for _, sp := range []store.Space{spaceMailbox, spaceMailboxName, spaceEmail,
			spaceParsed, spaceUID, spaceModSeq, spaceVanished, spaceChange,
			spaceThread, spaceThreadKey, spacePosting, spaceTermPending, spaceDocTerms, spaceAcctBlob,
			spaceCounter} {
			if err := deletePrefix(tx, sp, prefix); err != nil {
				return err
			}
		}
		return tx.Delete(spaceAccount, []byte(account))
	})
	if err != nil {
		return fmt.Errorf("delete account %s: %w", account, err)
	}
	s.notifier.Publish(Event{Account: account, Kinds: KindEmail | KindMailbox | KindThread})
	return nil
}

// releaseAccountBlobs drops the blob references of every email of an
// account.
func (s *Store) releaseAccountBlobs(tx store.Tx, a uint32) error {
	var hashes []store.Hash
	err := tx.Scan(spaceEmail, store.Prefix(newKey(a)), func(_, v []byte) error {
		r, err := decodeEmail(v)
		if err != nil {
			return err
		}
		hashes = append(hashes, r.blob)
		return nil
	})
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if err := s.unrefBlob(tx, h); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes every key of a space that starts with prefix.
func deletePrefix(tx store.Tx, sp store.Space, prefix []byte) error {
	var keys [][]byte
	err := tx.Scan(sp, store.Prefix(prefix), func(k, _ []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(sp, k); err != nil {
			return err
		}
	}
	return nil
}

// Accounts lists the accounts in name order.
func (s *Store) Accounts(ctx context.Context) ([]string, error) {
	var out []string
	err := s.kv.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		return tx.Scan(spaceAccount, store.Range{}, func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

func getAccount(tx store.Tx, account string) (accountRec, error) {
	b, err := tx.Get(spaceAccount, []byte(account))
	if errors.Is(err, store.ErrNotFound) {
		return accountRec{}, fmt.Errorf("account %s: %w", account, ErrNotFound)
	}
	if err != nil {
		return accountRec{}, err
	}
	return decodeAccount(b)
}

// view runs fn in a read transaction with the account's record.
func (s *Store) view(ctx context.Context, account string,
	fn func(tx store.Tx, a accountRec) error) error {
	return s.kv.View(ctx, func(tx store.Tx) error {
		a, err := getAccount(tx, account)
		if err != nil {
			return err
		}
		return fn(tx, a)
	})
}

// update runs fn in a write transaction on an account and, once it is
// committed, tells subscribers what changed.
func (s *Store) update(ctx context.Context, account string, fn func(w *writer) error) error {
	var ev Event
	err := s.kv.Update(ctx, func(tx store.Tx) error {
		a, err := getAccount(tx, account)
		if err != nil {
			return err
		}
		// A fresh writer on every run: the adapter may retry fn.
		w := s.newWriter(ctx, tx, account, a)
		if err := fn(w); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
		ev = w.event()
		return nil
	})
	if err == nil && ev.ModSeq != 0 {
		s.notifier.Publish(ev)
	}
	return err
}

// Open returns a reader over length octets of an email's raw message
// starting at offset; length < 0 reads to the end. The caller closes it.
func (s *Store) Open(ctx context.Context, account string, id EmailID,
	offset, length int64) (io.ReadCloser, error) {
	var blob store.Hash
	err := s.view(ctx, account, func(tx store.Tx, a accountRec) error {
		r, err := getEmail(tx, a.num, id)
		blob = r.blob
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open email %s: %w", id, err)
	}
	rc, err := s.blobs.Open(ctx, blob, offset, length)
	if err != nil {
		return nil, fmt.Errorf("open email %s: %w", id, err)
	}
	return rc, nil
}

func getEmail(tx store.Tx, a uint32, id EmailID) (emailRec, error) {
	n, ok := id.num()
	if !ok {
		return emailRec{}, fmt.Errorf("email %s: %w", id, ErrNotFound)
	}
	return getEmailNum(tx, a, n)
}

func getEmailNum(tx store.Tx, a uint32, n uint64) (emailRec, error) {
	b, err := tx.Get(spaceEmail, emailKey(a, n))
	if errors.Is(err, store.ErrNotFound) {
		return emailRec{}, fmt.Errorf("email %s: %w", emailID(n), ErrNotFound)
	}
	if err != nil {
		return emailRec{}, err
	}
	return decodeEmail(b)
}

// isNotFound reports a missing record, of the store or of the model.
func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrNotFound)
}

// prefixRange is store.Prefix.
func prefixRange(p []byte) store.Range { return store.Prefix(p) }
