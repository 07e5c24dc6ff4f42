package mailstore

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// zipfMessage makes a message whose text draws 300-800 words from a
// vocabulary of 50,000 with Zipf's law, as natural text does: a few
// common words, many rare ones, a few hundred distinct words a message.
func zipfMessage(r *rand.Rand, z *rand.Zipf, i int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "From: User %d <user%d@example.org>\r\n", r.IntN(500), r.IntN(500))
	fmt.Fprintf(&sb, "To: alice@example.test\r\nSubject: report %d on %s\r\n", i, zipfWord(z.Uint64()))
	fmt.Fprintf(&sb, "Message-ID: <z%d@example.org>\r\n", i)
	fmt.Fprintf(&sb, "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n\r\n")
	for j := range 300 + r.IntN(500) {
		sb.WriteString(zipfWord(z.Uint64()))
		if j%12 == 11 {
			sb.WriteString("\r\n")
		} else {
			sb.WriteByte(' ')
		}
	}
	sb.WriteString("\r\n")
	return sb.String()
}

// zipfWord spells word n of the vocabulary as a pronounceable word.
func zipfWord(n uint64) string {
	const cons, vow = "bcdfghklmnprstvz", "aeiou"
	var b []byte
	for n++; n > 0; n /= 80 {
		d := n % 80
		b = append(b, cons[d%16], vow[d/16])
	}
	return string(b)
}

// BenchmarkDeliverText delivers messages of natural-looking text to bolt
// with fsync, one after another, and reports the store's size per
// message: the full-text index dominates both.
func BenchmarkDeliverText(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	z := rand.NewZipf(r, 1.1, 1, 50_000)
	msgs := make([]string, 512)
	for i := range msgs {
		msgs[i] = zipfMessage(r, z, i)
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	f := newFixtureOn(b, db, memory.NewBlobs(), Options{})
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		ds, err := f.Deliver(f.ctx, strings.NewReader(msgs[i%len(msgs)]), time.Time{},
			[]Recipient{{Account: f.acct}})
		if err != nil || ds[0].Err != nil {
			b.Fatal(err, ds)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/float64(b.N), "db-B/msg")
	}
	res, err := f.Query(f.ctx, f.acct, Query{Filter: &Filter{Body: zipfWord(7)}})
	if err != nil || res.Total == 0 {
		b.Fatalf("search after the run: %+v, %v", res, err)
	}
}
