package local_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/cache"
	"github.com/bulwarkmail/bulwark/directory/directorytest"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// provision loads the conformance fixture into d.
func provision(t testing.TB, d *local.Directory) {
	t.Helper()
	ctx := context.Background()
	for _, dom := range directorytest.Domains {
		if err := d.AddDomain(ctx, dom); err != nil {
			t.Fatalf("AddDomain(%q): %v", dom, err)
		}
	}
	for _, e := range directorytest.Entries() {
		if err := d.CreatePrincipal(ctx, e.Principal, ""); err != nil {
			t.Fatalf("CreatePrincipal(%q): %v", e.Principal.Name, err)
		}
		if e.Secret != "" {
			if err := d.SetSecret(ctx, e.Principal.Name, e.Secret); err != nil {
				t.Fatalf("SetSecret(%q): %v", e.Principal.Name, err)
			}
		}
		if e.AppSecret != "" {
			if _, err := d.ImportAppPassword(ctx, e.Principal.Name, "app",
				e.AppSecret); err != nil {
				t.Fatalf("ImportAppPassword(%q): %v", e.Principal.Name, err)
			}
		}
	}
}

func newFixture(t testing.TB, kv store.KV, o directory.Options) *local.Directory {
	t.Helper()
	d, err := local.New(context.Background(), kv, local.Options{Directory: o})
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	return d
}

func TestConformance(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "dir.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stores := map[string]store.KV{"memory": memory.New(), "bolt": db}
	for name, kv := range stores {
		t.Run(name, func(t *testing.T) {
			provision(t, newFixture(t, kv, directory.Options{}))
			directorytest.Run(t, func(t *testing.T, o directory.Options) directory.Directory {
				return newFixture(t, kv, o)
			})
		})
	}
}

// BenchmarkResolve measures resolutions per second of a list address on
// the in-memory store, straight and through the cache.
func BenchmarkResolve(b *testing.B) {
	kv := memory.New()
	d := newFixture(b, kv, directory.Options{})
	provision(b, d)
	ctx := context.Background()
	for name, dir := range map[string]directory.Directory{"direct": d,
		"cached": cache.New(d, cache.Options{})} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if r, err := dir.Resolve(ctx, "team@example.org"); err != nil ||
					len(r.Accounts) != 4 {
					b.Fatalf("Resolve = %+v, %v", r, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}
