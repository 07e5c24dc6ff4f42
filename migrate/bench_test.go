package migrate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/fsblob"
)

// benchMessage is a message of about 4 KiB.
func benchMessage(n int) string {
	return fmt.Sprintf("From: a@example.org\r\nTo: b@example.test\r\nSubject: bench %d\r\n"+
		"Message-ID: <%d@bench>\r\n\r\n%s\r\n", n, n, strings.Repeat("lorem ipsum dolor ", 220))
}

// benchSource fills a server on bolt, with messages in files, with n
// messages in one account.
func benchSource(b *testing.B, n int) (*server, int64) {
	b.Helper()
	ctx := context.Background()
	blobs, err := fsblob.Open(b.TempDir(), fsblob.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := newServer(b, newBoltKV(b), blobs)
	if err := s.mail.CreateAccount(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	inbox, err := s.mail.MailboxByName(ctx, "bench", "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for i := range n {
		m := benchMessage(i)
		size += int64(len(m))
		_, _, err := s.mail.Append(ctx, "bench", inbox.ID, strings.NewReader(m),
			[]string{"$seen"}, time.Unix(int64(1e9+i), 0))
		if err != nil {
			b.Fatal(err)
		}
	}
	return s, size
}

// benchMessages is the size of the benchmarks' account. Run them once
// each: go test -run '^$' -bench . -benchtime 1x ./migrate
const benchMessages = 10000

// BenchmarkExport exports an account from bolt and reports messages and
// megabytes (of message bytes) per second.
func BenchmarkExport(b *testing.B) {
	src, size := benchSource(b, benchMessages)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := Export(ctx, src.source(), b.TempDir(), ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, size)
}

// BenchmarkImport imports the export of an account into an empty bolt
// store, keeping UIDs, and reports messages and megabytes per second.
func BenchmarkImport(b *testing.B) {
	src, size := benchSource(b, benchMessages)
	ctx := context.Background()
	dir := b.TempDir()
	if _, err := Export(ctx, src.source(), dir, ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				blobs, err := fsblob.Open(b.TempDir(), fsblob.Options{})
				if err != nil {
					b.Fatal(err)
				}
				dst := newServer(b, newBoltKV(b), blobs)
				b.StartTimer()
				_, err = Import(ctx, dst.target(), dir, ImportOptions{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, size)
		})
	}
}

func reportRate(b *testing.B, size int64) {
	b.Helper()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(benchMessages/sec, "msgs/s")
	b.ReportMetric(float64(size)/sec/1e6, "MB/s")
}
