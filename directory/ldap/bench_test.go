package ldap_test

import (
	"context"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/cache"
	dirldap "github.com/bulwarkmail/bulwark/directory/ldap"
)

// BenchmarkResolve measures address resolutions per second against slapd,
// straight and through the cache.
func BenchmarkResolve(b *testing.B) {
	s := startSlapd(b)
	loadTree(b, s)
	d, err := dirldap.New(context.Background(), options(s, dirldap.LookupBind,
		directory.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	run := func(b *testing.B, dir directory.Directory) {
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, err := dir.Resolve(ctx, "alice.liddell@example.org")
				if err != nil || len(r.Accounts) != 1 {
					b.Fatalf("Resolve = %+v, %v", r, err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	}
	b.Run("direct", func(b *testing.B) { run(b, d) })
	b.Run("cached", func(b *testing.B) { run(b, cache.New(d, cache.Options{})) })
}

// BenchmarkLookup measures principal lookups per second.
func BenchmarkLookup(b *testing.B) {
	s := startSlapd(b)
	loadTree(b, s)
	d, err := dirldap.New(context.Background(), options(s, dirldap.LookupBind,
		directory.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	run := func(b *testing.B, dir directory.Directory) {
		ctx := context.Background()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := dir.Lookup(ctx, "team"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	}
	b.Run("direct", func(b *testing.B) { run(b, d) })
	b.Run("cached", func(b *testing.B) { run(b, cache.New(d, cache.Options{})) })
}
