package jmap

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// benchSize is the mailbox size: JMAP_BENCH_MESSAGES, else 10,000 (2,000
// with -short).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("JMAP_BENCH_MESSAGES")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return 2_000
	}
	return 10_000
}

func fillMailbox(b *testing.B, e *env, n int) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := w; i < n; i += 4 {
				msg := fmt.Sprintf("From: User %d <u%d@example.net>\r\nTo: alice@example.org\r\n"+
					"Subject: message %d about %s\r\nMessage-ID: <b%d@example.net>\r\n\r\n"+
					"body of message %d with words %d\r\n", r.IntN(500), r.IntN(500), i,
					[]string{"cats", "dogs", "mail", "jmap"}[r.IntN(4)], i, i, r.IntN(1e6))
				recv := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).
					Add(time.Duration(r.IntN(1e8)) * time.Second)
				d, err := e.ms.Deliver(ctx, strings.NewReader(msg), recv,
					[]mailstore.Recipient{{Account: testUser}})
				if err == nil {
					err = d[0].Err
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueryGet runs Email/query (one page of 100 of the inbox sorted
// by receivedAt) and Email/get of those 100 ids with the default
// properties, in one request, from 16 concurrent clients.
func BenchmarkQueryGet(b *testing.B) {
	e := newEnv(b, func(o *Options) { o.MaxConcurrentRequests = 64 })
	n := benchSize()
	start := time.Now()
	fillMailbox(b, e, n)
	b.Logf("delivered %d messages in %v", n, time.Since(start))
	inbox := e.mailboxID("INBOX")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	sorted := `"sort":[{"property":"receivedAt","isAscending":false}],`
	body := func(pos int) string {
		return `{"using":["` + CapCore + `","` + CapMail + `"],"methodCalls":[` +
			`["Email/query",{"accountId":"` + e.acct + `","filter":{"inMailbox":"` + inbox +
			`"},` + sorted + `"position":` +
			strconv.Itoa(pos) + `,"limit":100},"q"],` +
			`["Email/get",{"accountId":"` + e.acct + `","#ids":{"resultOf":"q",` +
			`"name":"Email/query","path":"/ids"}},"g"]]}`
	}
	if code, out := e.post(PathAPI, body(0)); code != http.StatusOK {
		b.Fatalf("warm-up: %d %s", code, out)
	}
	// Sub-benchmarks, so that the mailbox is filled once. The unsorted
	// query (arrival order) is the peer that shows what sorting costs.
	for _, sort := range []string{sorted, ""} {
		name := "clients=16/sort=receivedAt"
		if sort == "" {
			name = "clients=16/sort=none"
		}
		b.Run(name, func(b *testing.B) {
			sorted = sort
			b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				queryGetLoop(b, pb, client, e, body, n)
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

func queryGetLoop(b *testing.B, pb *testing.PB, client *http.Client, e *env,
	body func(int) string, n int) {
	r := rand.New(rand.NewPCG(rand.Uint64(), 1))
	for pb.Next() {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathAPI,
			strings.NewReader(body(r.IntN(max(1, n-100)))))
		req.SetBasicAuth(testUser, testPass)
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("status %d", resp.StatusCode)
			return
		}
	}
}
