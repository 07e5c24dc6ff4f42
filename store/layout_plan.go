package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// MigrationPlan says what Migrator.Run would do to a store, without
// changing it.
type MigrationPlan struct {
	Component string
	// From is the store's layout and To the program's.
	From, To int
	// Steps lists the steps Run would take, in order.
	Steps []PlannedStep
	// Estimate is how long Run would take, extrapolated from a trial
	// batch of the first step that is timed and rolled back; zero when
	// there is nothing to do or the step cannot count its records.
	Estimate time.Duration
}

// PlannedStep is one step of a MigrationPlan.
type PlannedStep struct {
	Name string
	From int
	// Records is the number of records the step would rewrite, -1 when
	// unknown: only the first step can count, since later ones start
	// from data the earlier ones have not written yet.
	Records int64
}

// errTrialBatch rolls back the trial batch of Plan.
var errTrialBatch = errors.New("store: trial batch rolled back")

// Plan reports the steps Run would take, the records the first would
// rewrite and an estimate of the time, running one batch of the first
// step in a transaction it then rolls back. It is the dry run of Run.
func (m *Migrator) Plan(ctx context.Context, kv KV) (MigrationPlan, error) {
	p := MigrationPlan{Component: m.Component, To: m.Latest()}
	v, err := m.Check(ctx, kv)
	p.From = v
	if !errors.Is(err, ErrNeedsMigration) {
		return p, err
	}
	for from := v; from < p.To; from++ {
		s, err := m.step(from)
		if err != nil {
			return p, err
		}
		p.Steps = append(p.Steps, PlannedStep{Name: s.Name, From: from, Records: -1})
	}
	total, err := m.count(ctx, kv, v)
	if err != nil {
		return p, err
	}
	p.Steps[0].Records = total
	if total <= 0 {
		return p, nil
	}
	s, _ := m.step(v)
	var records int
	var took time.Duration
	err = kv.Update(ctx, func(tx Tx) error {
		cursor, err := tx.Get(LayoutSpace, Layout{m.Component}.key("checkpoint"))
		if errors.Is(err, ErrNotFound) {
			cursor = nil
		} else if err != nil {
			return err
		}
		start := time.Now()
		_, records, err = s.Run(ctx, tx, bytes.Clone(cursor))
		took = time.Since(start)
		if err != nil {
			return err
		}
		return errTrialBatch
	})
	if !errors.Is(err, errTrialBatch) {
		return p, fmt.Errorf("plan %s step %q: trial batch: %w", m.Component, s.Name, err)
	}
	if records > 0 {
		p.Estimate = time.Duration(float64(took) * float64(total) / float64(records))
	}
	return p, nil
}
