package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// renameStep rewrites every key of space "old" into space "new", n keys
// per batch; failAfter > 0 makes it fail after that many batches.
func renameStep(n int, batches *int, failAfter int) store.Step {
	return store.Step{
		Name: "move old to new",
		From: 1,
		Count: func(ctx context.Context, tx store.Tx) (int64, error) {
			var n int64
			err := tx.Scan("old", store.Range{}, func(k, v []byte) error {
				if _, err := tx.Get("new", k); errors.Is(err, store.ErrNotFound) {
					n++
				}
				return nil
			})
			return n, err
		},
		Run: func(ctx context.Context, tx store.Tx, cursor []byte) ([]byte, int, error) {
			*batches++
			if failAfter > 0 && *batches > failAfter {
				return nil, 0, errors.New("crash")
			}
			var last []byte
			count := 0
			r := store.Range{Start: cursor}
			if cursor != nil {
				r.Start = append(cursor, 0)
			}
			err := tx.Scan("old", r, func(k, v []byte) error {
				if count == n {
					return store.ErrStop
				}
				count++
				last = append([]byte{}, k...)
				return tx.Put("new", k, v)
			})
			if err != nil || count < n {
				return nil, count, err
			}
			return last, count, nil
		},
	}
}

func seed(t *testing.T, kv store.KV, version, keys int) {
	t.Helper()
	err := kv.Update(context.Background(), func(tx store.Tx) error {
		for i := range keys {
			if err := tx.Put("old", fmt.Appendf(nil, "k%04d", i), []byte("v")); err != nil {
				return err
			}
		}
		return store.Layout{Component: "mail"}.SetVersion(tx, version)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countKeys(t *testing.T, kv store.KV, sp store.Space) int {
	t.Helper()
	n := 0
	kv.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(sp, store.Range{}, func(k, v []byte) error { n++; return nil })
	})
	return n
}

func TestMigratorRunsAndResumes(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	seed(t, kv, 1, 95)
	batches := 0
	m := &store.Migrator{Component: "mail", Steps: []store.Step{
		renameStep(10, &batches, 4),
		{Name: "no-op", From: 2, Run: func(context.Context, store.Tx, []byte) ([]byte, int, error) {
			return nil, 0, nil
		}},
	}}
	if v, err := m.Check(ctx, kv); v != 1 || !errors.Is(err, store.ErrNeedsMigration) {
		t.Fatalf("Check = %d, %v; want 1, ErrNeedsMigration", v, err)
	}
	if err := m.Run(ctx, kv); err == nil {
		t.Fatalf("Run with a failing step succeeded")
	}
	if got := countKeys(t, kv, "new"); got != 40 {
		t.Errorf("after the interruption %d keys moved, want 40 (4 batches)", got)
	}
	// Resume: the next run starts after the checkpoint.
	batches = 0
	m.Steps[0] = renameStep(10, &batches, 0)
	if err := m.Run(ctx, kv); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if batches != 6 {
		t.Errorf("resumed step ran %d batches, want 6", batches)
	}
	if got := countKeys(t, kv, "new"); got != 95 {
		t.Errorf("%d keys moved, want 95", got)
	}
	if v, err := m.Check(ctx, kv); v != 3 || err != nil {
		t.Errorf("Check after Run = %d, %v; want 3, nil", v, err)
	}
	if err := m.Run(ctx, kv); err != nil || batches != 6 {
		t.Errorf("second Run: %v, %d batches; want nothing to do", err, batches)
	}
}

func TestMigratorRefusesNewer(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	seed(t, kv, 7, 0)
	batches := 0
	m := &store.Migrator{Component: "mail", Steps: []store.Step{renameStep(10, &batches, 0)}}
	if _, err := m.Check(ctx, kv); !errors.Is(err, store.ErrLayoutTooNew) {
		t.Errorf("Check(layout 7, program 2) = %v, want ErrLayoutTooNew", err)
	}
	if err := m.Run(ctx, kv); !errors.Is(err, store.ErrLayoutTooNew) {
		t.Errorf("Run(layout 7, program 2) = %v, want ErrLayoutTooNew", err)
	}
}

func TestMigratorMissingStep(t *testing.T) {
	kv := memory.New()
	seed(t, kv, 0, 0)
	batches := 0
	m := &store.Migrator{Component: "mail", Steps: []store.Step{renameStep(10, &batches, 0)}}
	if err := m.Run(context.Background(), kv); err == nil {
		t.Errorf("Run from layout 0 without a step from 0 succeeded")
	}
}

func TestMigratorStamp(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	batches := 0
	m := &store.Migrator{Component: "fresh", Steps: []store.Step{renameStep(10, &batches, 0)}}
	if err := m.Stamp(ctx, kv); err != nil {
		t.Fatal(err)
	}
	if v, err := m.Check(ctx, kv); v != 2 || err != nil {
		t.Errorf("Check after Stamp = %d, %v; want 2, nil", v, err)
	}
	// Components are versioned apart.
	other := &store.Migrator{Component: "other"}
	if v, err := other.Check(ctx, kv); v != 0 || err != nil {
		t.Errorf("other component: Check = %d, %v; want 0, nil", v, err)
	}
}

func TestMigratorPlanAndProgress(t *testing.T) {
	ctx := context.Background()
	kv := memory.New()
	seed(t, kv, 1, 95)
	batches := 0
	m := &store.Migrator{Component: "mail", Steps: []store.Step{renameStep(10, &batches, 0)}}
	p, err := m.Plan(ctx, kv)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if p.From != 1 || p.To != 2 || len(p.Steps) != 1 || p.Steps[0].Records != 95 {
		t.Errorf("Plan = %+v, want 1 -> 2, one step of 95 records", p)
	}
	if got := countKeys(t, kv, "new"); got != 0 {
		t.Fatalf("Plan wrote %d keys; its trial batch must roll back", got)
	}
	var seen []store.MigrationProgress
	m.Progress = func(p store.MigrationProgress) { seen = append(seen, p) }
	if err := m.Run(ctx, kv); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 10 {
		t.Fatalf("%d progress calls, want 10: %+v", len(seen), seen)
	}
	last := seen[len(seen)-1]
	if last.Done != 95 || last.Total != 95 || last.Step != "move old to new" || seen[0].Done != 10 {
		t.Errorf("progress %+v ... %+v, want 10/95 ... 95/95", seen[0], last)
	}
	if p, err := m.Plan(ctx, kv); err != nil || len(p.Steps) != 0 {
		t.Errorf("Plan after Run = %+v, %v; want nothing to do", p, err)
	}
}
