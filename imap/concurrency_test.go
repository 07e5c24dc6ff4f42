package imap

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestConcurrentSessions runs 20 go-imap clients that SELECT, FETCH,
// SEARCH and read bodies of one mailbox at once, while another session
// appends, flags and expunges, one sits in IDLE, and one has stopped
// reading in the middle of a large FETCH. No operation may stall: a
// client that stops reading, an IDLE session or a writer must not hold
// up the others.
func TestConcurrentSessions(t *testing.T) {
	const user = "conc@example.test"
	n, rounds := 600, 8
	if raceEnabled {
		n, rounds = 150, 3
	}
	env := newBoltEnv(t, []string{user}, func(o *Options) { o.MaxSessionsPerAccount = 100 })
	fillPull(t, env, user, n)

	// A client that asks for every body and never reads the answer.
	stuck := env.login(user)
	stuck.ok("EXAMINE INBOX")
	stuck.send("s1 FETCH 1:* (BODY.PEEK[])\r\n")

	var existsSeen atomic.Int32
	idler := dialClient(t, env, user, &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				existsSeen.Add(1)
			}
		},
	})
	if _, err := idler.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := idler.Idle()
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}

	const readers = 20
	clients := make([]*imapclient.Client, readers+1)
	for i := range clients {
		clients[i] = dialClient(t, env, user, nil)
	}
	// A stalled server would leave every client waiting: after the
	// deadline the connections are closed and the test fails.
	var stalled atomic.Bool
	watchdog := time.AfterFunc(2*time.Minute, func() {
		stalled.Store(true)
		for _, c := range clients {
			_ = c.Close()
		}
	})
	defer watchdog.Stop()

	var (
		mu      sync.Mutex
		slowest time.Duration
		errs    []error
	)
	record := func(start time.Time, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		slowest = max(slowest, time.Since(start))
		if err != nil {
			errs = append(errs, err)
			return false
		}
		return true
	}
	var wg sync.WaitGroup
	for i, c := range clients[:readers] {
		wg.Go(func() {
			for r := range rounds {
				start := time.Now()
				sel, err := c.Select("INBOX", nil).Wait()
				if !record(start, err) {
					return
				}
				lo := 1 + uint32((i*37+r*101)%max(int(sel.NumMessages)-50, 1))
				start = time.Now()
				_, err = c.Fetch(func() imap.SeqSet { var s imap.SeqSet; s.AddRange(lo, lo+49); return s }(), &imap.FetchOptions{
					UID: true, Flags: true, RFC822Size: true, Envelope: true,
					BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
				}).Collect()
				if !record(start, err) {
					return
				}
				start = time.Now()
				_, err = c.UIDSearch(&imap.SearchCriteria{
					Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "pull 1"}},
				}, nil).Wait()
				if !record(start, err) {
					return
				}
				start = time.Now()
				_, err = c.Fetch(imap.SeqSetNum(lo), &imap.FetchOptions{
					BodySection: []*imap.FetchItemBodySection{{Peek: true}},
				}).Collect()
				if !record(start, err) {
					return
				}
			}
		})
	}
	w := clients[readers]
	wg.Go(func() {
		if _, err := w.Select("INBOX", nil).Wait(); !record(time.Now(), err) {
			return
		}
		for r := range rounds {
			start := time.Now()
			cmd := w.Append("INBOX", int64(len(simpleMsg("fresh", "x"))), nil)
			_, err := cmd.Write([]byte(simpleMsg("fresh", "x")))
			err = errors.Join(err, cmd.Close())
			if _, werr := cmd.Wait(); !record(start, errors.Join(err, werr)) {
				return
			}
			start = time.Now()
			err = w.Store(imap.SeqSetNum(uint32(r+1)), &imap.StoreFlags{
				Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
			if !record(start, err) {
				return
			}
			start = time.Now()
			if _, err := w.Expunge().Collect(); !record(start, err) {
				return
			}
		}
	})
	wg.Wait()
	if stalled.Load() {
		t.Fatalf("sessions stalled; slowest operation so far %v", slowest)
	}
	for _, err := range errs {
		t.Error(err)
	}
	t.Logf("slowest operation: %v", slowest)
	if slowest > 30*time.Second {
		t.Errorf("an operation took %v", slowest)
	}

	deadline := time.Now().Add(10 * time.Second)
	for existsSeen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if existsSeen.Load() == 0 {
		t.Error("IDLE session saw no EXISTS")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE end: %v", err)
	}

	// The stuck client reads its answer at last: complete and in order.
	_ = stuck.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	lines, status := stuck.until("s1")
	if !strings.HasPrefix(status, "OK") || len(lines) < n {
		t.Errorf("stuck FETCH: %q after %d lines", status, len(lines))
	}
	seqs := make([]int, 0, len(lines))
	for _, l := range lines {
		var seq int
		if _, err := fmt.Sscanf(l, "* %d FETCH", &seq); err == nil {
			seqs = append(seqs, seq)
		}
	}
	if !slices.IsSorted(seqs) {
		t.Error("stuck FETCH answers out of order")
	}
}
