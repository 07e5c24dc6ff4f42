package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
)

// LayoutSpace is the reserved space that holds layout versions and
// migration checkpoints. Spaces whose names begin with an underscore are
// reserved for package store.
const LayoutSpace Space = "_layout"

var (
	// ErrLayoutTooNew is returned when a store was written by a newer
	// release whose layout this program does not know. Opening it could
	// corrupt it.
	ErrLayoutTooNew = errors.New("store: layout is newer than this program")

	// ErrNeedsMigration is returned by Migrator.Check when the store's
	// layout is older than the program's and Migrator.Run must upgrade it.
	ErrNeedsMigration = errors.New("store: layout needs migration")
)

// Layout reads and writes the layout version of one component of a
// store (such as "mailstore" or "queue"). Version 0 means none was ever
// written.
type Layout struct {
	// Component names the part of the data the version covers.
	Component string
}

func (l Layout) key(kind string) []byte {
	return []byte(kind + "/" + l.Component)
}

// Version returns the stored layout version, 0 if none.
func (l Layout) Version(tx Tx) (int, error) {
	v, err := tx.Get(LayoutSpace, l.key("version"))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read layout version: %w", err)
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("read layout version: %d bytes, want 8", len(v))
	}
	return int(binary.BigEndian.Uint64(v)), nil
}

// SetVersion records the layout version.
func (l Layout) SetVersion(tx Tx, version int) error {
	if version < 0 {
		return fmt.Errorf("set layout version %d: negative", version)
	}
	v := binary.BigEndian.AppendUint64(nil, uint64(version))
	if err := tx.Put(LayoutSpace, l.key("version"), v); err != nil {
		return fmt.Errorf("set layout version: %w", err)
	}
	return nil
}

// Step upgrades a store's layout from From to From+1.
type Step struct {
	// Name says what the step does, for logs and plans.
	Name string

	// From is the layout the step starts from.
	From int

	// Count, when set, returns the number of records the step has left
	// to rewrite: Plan reports it and progress is measured against it.
	// It may read the whole of the data the step rewrites.
	Count func(ctx context.Context, tx Tx) (int64, error)

	// Run migrates one batch of data inside tx, starting after cursor
	// (nil on the first call), and returns the cursor to resume from, or
	// nil once the step is complete, and the number of records the batch
	// rewrote. Each call runs in its own transaction, which also saves
	// the returned cursor, so a step interrupted by a crash resumes where
	// it stopped. A batch should be bounded (a few thousand keys). Run
	// may be called again with the same cursor if its transaction is
	// retried.
	Run func(ctx context.Context, tx Tx, cursor []byte) (next []byte, records int, err error)
}

// Migrator upgrades the layout of one component by running its steps
// in order.
type Migrator struct {
	// Component names the data the steps migrate.
	Component string

	// Steps are the upgrades, one per layout version, in any order; they
	// must cover a contiguous run of versions.
	Steps []Step

	// Logger receives one event per step and batch; nil discards them.
	Logger *slog.Logger

	// Progress, when set, is called after each batch, on the goroutine
	// running the migration.
	Progress func(MigrationProgress)
}

// MigrationProgress reports how far the step being run has come.
type MigrationProgress struct {
	Component string
	// Step is the name of the step and From the layout it upgrades.
	Step string
	From int
	// Done counts the records rewritten by this run of the step; Total
	// is the step's Count when the run began, -1 when the step cannot
	// count.
	Done, Total int64
}

// Latest returns the layout version the steps lead to: the program's
// current layout. Without steps it is 0.
func (m *Migrator) Latest() int {
	latest := 0
	for _, s := range m.Steps {
		latest = max(latest, s.From+1)
	}
	return latest
}

// step returns the step starting from version v.
func (m *Migrator) step(v int) (Step, error) {
	for _, s := range m.Steps {
		if s.From == v {
			return s, nil
		}
	}
	return Step{}, fmt.Errorf("migrate %s: no step from layout %d", m.Component, v)
}

func (m *Migrator) log() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// Check returns the store's layout version. The error wraps
// ErrLayoutTooNew when the store is newer than Latest, and
// ErrNeedsMigration when it is older.
func (m *Migrator) Check(ctx context.Context, kv KV) (int, error) {
	var v int
	err := kv.View(ctx, func(tx Tx) error {
		var err error
		v, err = Layout{m.Component}.Version(tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	return v, m.compare(v)
}

func (m *Migrator) compare(v int) error {
	latest := m.Latest()
	switch {
	case v > latest:
		return fmt.Errorf("%w: %s layout %d, program knows %d",
			ErrLayoutTooNew, m.Component, v, latest)
	case v < latest:
		return fmt.Errorf("%w: %s layout %d, program needs %d",
			ErrNeedsMigration, m.Component, v, latest)
	}
	return nil
}

// Stamp records Latest as the layout of a store whose component has no
// version yet, so that a new store skips the upgrade steps. It does
// nothing when a version is already recorded.
func (m *Migrator) Stamp(ctx context.Context, kv KV) error {
	return kv.Update(ctx, func(tx Tx) error {
		l := Layout{m.Component}
		v, err := l.Version(tx)
		if err != nil || v != 0 {
			return err
		}
		return l.SetVersion(tx, m.Latest())
	})
}

// Run upgrades the store to Latest, step by step and batch by batch,
// resuming any step a crash interrupted. It refuses with
// ErrLayoutTooNew a store newer than the program. Several processes may
// run it at once: each batch rereads the version and checkpoint in its
// transaction.
func (m *Migrator) Run(ctx context.Context, kv KV) error {
	var cur MigrationProgress
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := m.batch(ctx, kv, &cur)
		if err != nil || done {
			return err
		}
	}
}

// batch runs one batch of the current step, counting the step's records
// when it starts, and reports whether the store has reached Latest.
func (m *Migrator) batch(ctx context.Context, kv KV, cur *MigrationProgress) (bool, error) {
	l := Layout{m.Component}
	var done bool
	var from, records int
	var name string
	err := kv.Update(ctx, func(tx Tx) error {
		v, err := l.Version(tx)
		if err != nil {
			return err
		}
		if err := m.compare(v); !errors.Is(err, ErrNeedsMigration) {
			done = err == nil
			return err
		}
		done, from = false, v
		s, err := m.step(v)
		if err != nil {
			return err
		}
		name = s.Name
		records, err = m.runStep(ctx, tx, l, s)
		return err
	})
	if err != nil || done {
		return done, err
	}
	if cur.Step != name || cur.From != from {
		total, err := m.count(ctx, kv, from)
		if err != nil {
			return false, err
		}
		*cur = MigrationProgress{Component: m.Component, Step: name, From: from,
			Total: total + int64(records)}
		if total < 0 {
			cur.Total = -1
		}
	}
	cur.Done += int64(records)
	m.log().Info("layout migration batch", "component", m.Component,
		"from", from, "step", name, "done", cur.Done, "total", cur.Total)
	if m.Progress != nil {
		m.Progress(*cur)
	}
	return false, nil
}

// count returns the records left to the step from layout v, -1 when it
// cannot count.
func (m *Migrator) count(ctx context.Context, kv KV, v int) (int64, error) {
	s, err := m.step(v)
	if err != nil || s.Count == nil {
		return -1, err
	}
	var n int64
	err = kv.View(ctx, func(tx Tx) error {
		n, err = s.Count(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("migrate %s step %q: count: %w", m.Component, s.Name, err)
	}
	return n, nil
}

// runStep runs one batch of s and saves its checkpoint, or the new
// version once the step is complete.
func (m *Migrator) runStep(ctx context.Context, tx Tx, l Layout, s Step) (int, error) {
	ckey := l.key("checkpoint")
	cursor, err := tx.Get(LayoutSpace, ckey)
	switch {
	case errors.Is(err, ErrNotFound):
		cursor = nil
	case err != nil:
		return 0, err
	default:
		cursor = bytes.Clone(cursor)
	}
	next, records, err := s.Run(ctx, tx, cursor)
	if err != nil {
		return 0, fmt.Errorf("migrate %s step %q: %w", m.Component, s.Name, err)
	}
	if next == nil {
		if err := tx.Delete(LayoutSpace, ckey); err != nil {
			return 0, err
		}
		return records, l.SetVersion(tx, s.From+1)
	}
	if cursor != nil && bytes.Equal(next, cursor) {
		return 0, fmt.Errorf("migrate %s step %q: cursor did not advance", m.Component, s.Name)
	}
	return records, tx.Put(LayoutSpace, ckey, next)
}
