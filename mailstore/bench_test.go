package mailstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store"
	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// benchWords is the vocabulary of generated messages.
var benchWords = strings.Fields(`meeting lunch invoice report project budget travel
	review release deadline server backup weekend family photo holiday contract
	offer question answer update change schedule office garden music ticket`)

// genMessage makes the i-th message of a deterministic corpus, 1-3 KB.
func genMessage(r *rand.Rand, i int) string {
	w := func() string { return benchWords[r.IntN(len(benchWords))] }
	var sb strings.Builder
	fmt.Fprintf(&sb, "From: User %d <user%d@example.org>\r\n", r.IntN(500), r.IntN(500))
	fmt.Fprintf(&sb, "To: alice@example.test\r\nSubject: %s %s %d\r\n", w(), w(), i)
	fmt.Fprintf(&sb, "Message-ID: <m%d@example.org>\r\n", i)
	if i > 0 && r.IntN(3) == 0 {
		fmt.Fprintf(&sb, "In-Reply-To: <m%d@example.org>\r\n", r.IntN(i))
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	d := base.Add(time.Duration(r.IntN(5*365*24)) * time.Hour)
	fmt.Fprintf(&sb, "Date: %s\r\n\r\n", d.Format(time.RFC1123Z))
	for range 20 + r.IntN(80) {
		sb.WriteString(w())
		sb.WriteByte(' ')
		if r.IntN(10) == 0 {
			sb.WriteString("\r\n")
		}
	}
	sb.WriteString("\r\n")
	return sb.String()
}

func benchBolt(b *testing.B, sync bool) store.KV {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{NoSync: !sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkDeliver measures single deliveries, one after another and from
// many goroutines, on bolt with fsync (the group commit shares syncs).
func BenchmarkDeliver(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([]string, 256)
	for i := range msgs {
		msgs[i] = genMessage(r, i)
	}
	for _, kind := range []string{"bolt-fsync", "memory"} {
		open := func(b *testing.B) store.KV {
			if kind == "memory" {
				return memory.New()
			}
			return benchBolt(b, true)
		}
		b.Run(kind+"/serial", func(b *testing.B) {
			f := newFixtureOn(b, open(b), memory.NewBlobs(), Options{})
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				ds, err := f.Deliver(f.ctx, strings.NewReader(msgs[i%len(msgs)]), time.Time{},
					[]Recipient{{Account: f.acct}})
				if err != nil || ds[0].Err != nil {
					b.Fatal(err, ds)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
		b.Run(kind+"/parallel16", func(b *testing.B) {
			f := newFixtureOn(b, open(b), memory.NewBlobs(), Options{})
			var n atomic.Int64
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.ResetTimer()
			cpu0 := cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					ds, err := f.Deliver(f.ctx, strings.NewReader(msgs[i%int64(len(msgs))]),
						time.Time{}, []Recipient{{Account: f.acct}})
					if err != nil || ds[0].Err != nil {
						b.Fatal(err, ds)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// loadMailbox fills INBOX with n generated messages, 1000 per transaction.
func loadMailbox(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	const batch = 1000
	ctx := context.Background()
	for done := 0; done < n; done += batch {
		arrs := make([]*arrival, 0, batch)
		recv := make([]int64, 0, batch)
		for i := done; i < min(done+batch, n); i++ {
			arr, err := f.storeMessage(ctx, strings.NewReader(genMessage(r, i)))
			if err != nil {
				tb.Fatal(err)
			}
			arrs = append(arrs, arr)
			base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			recv = append(recv, base+int64(r.IntN(1e8)))
		}
		err := f.update(ctx, f.acct, func(w *writer) error {
			m, _ := f.inbox.num()
			for i, arr := range arrs {
				var kws []string
				if r.IntN(4) != 0 {
					kws = []string{KeywordSeen}
				}
				if _, _, err := w.addEmail(arr, []uint32{m}, kws, recv[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLargeMailbox measures reads of a 100,000-message mailbox (10,000
// with -short).
func BenchmarkLargeMailbox(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	for _, kind := range []string{"bolt", "memory"} {
		b.Run(kind, func(b *testing.B) {
			var kv store.KV = memory.New()
			if kind == "bolt" {
				kv = benchBolt(b, false)
			}
			f := newFixtureOn(b, kv, memory.NewBlobs(), Options{})
			start := time.Now()
			loadMailbox(b, f, n)
			b.Logf("loaded %d messages in %v", n, time.Since(start))
			runLargeBenches(b, f)
		})
	}
}

// cpuTime returns the CPU time the process has used. The machine the
// benchmarks run on is shared, so wall time alone says little; the
// benchmarks report CPU time per operation as well.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn b.N times and reports its CPU time per operation.
func measure(b *testing.B, fn func() error) {
	b.Helper()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func runLargeBenches(b *testing.B, f *fixture) {
	page := func(q Query) func(b *testing.B) {
		return func(b *testing.B) {
			q.Mailbox = f.inbox
			measure(b, func() error {
				_, err := f.Query(f.ctx, f.acct, q)
				return err
			})
		}
	}
	b.Run("List", func(b *testing.B) {
		measure(b, func() error {
			_, _, err := f.List(f.ctx, f.acct, f.inbox)
			return err
		})
	})
	desc := []Comparator{{Key: SortReceived, Descending: true}}
	b.Run("SortReceivedPage50", page(Query{Sort: desc, Limit: 50}))
	b.Run("UnseenSortReceived", page(Query{Sort: desc, Limit: 50,
		Filter: &Filter{NotKeyword: KeywordSeen}}))
	b.Run("SortSubject", page(Query{Sort: []Comparator{{Key: SortSubject}}, Limit: 50}))
	b.Run("SortFromThenDate", page(Query{Limit: 50, Sort: []Comparator{{Key: SortFrom},
		{Key: SortSent, Descending: true}}}))
	b.Run("SortSize", page(Query{Sort: []Comparator{{Key: SortSize}}, Limit: 50}))
	b.Run("SubjectContains", page(Query{Filter: &Filter{Subject: "budget"}, Limit: 50}))
	b.Run("FullText2Words", page(Query{Filter: &Filter{Text: "garden ticket"}, Limit: 50}))
	b.Run("CollapseThreads", page(Query{Sort: desc, Limit: 50, CollapseThreads: true}))
	b.Run("AnchorPage", page(Query{Sort: desc, Limit: 50, Anchor: emailID(5000)}))
	b.Run("AccountWideSortReceived", func(b *testing.B) {
		measure(b, func() error {
			_, err := f.Query(f.ctx, f.acct, Query{Sort: desc, Limit: 50})
			return err
		})
	})
	changesBenches(b, f)
}

func changesBenches(b *testing.B, f *fixture) {
	since, _ := f.HighestModSeq(f.ctx, f.acct)
	ents := f.list(f.inbox)
	for i := 0; i < 1000; i++ {
		uid := ents[i*37%len(ents)].UID
		if _, _, err := f.Store.Store(f.ctx, f.acct, f.inbox, []uint32{uid}, FlagsAdd,
			[]string{KeywordFlagged}, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Changes1000", func(b *testing.B) {
		measure(b, func() error {
			_, err := f.ChangesOf(f.ctx, f.acct, KindEmail, since, 500)
			return err
		})
	})
	b.Run("ChangedSince1000", func(b *testing.B) {
		measure(b, func() error {
			_, err := f.ChangedSince(f.ctx, f.acct, f.inbox, since)
			return err
		})
	})
}
