package sql

import (
	"errors"
	"hash/maphash"
	"slices"
	"sync"
)

// Counters are hot rows: every delivery to an account draws its MODSEQ
// from one. Under serialisable isolation, transactions of one process
// that draw from the same counter would mostly fail and retry. A
// process therefore queues them on in-process locks, one per stripe of
// counter keys, held until the transaction ends. Transactions of other
// processes still meet at the database and retry.
//
// To stay free of deadlocks, a transaction waits for a stripe only
// while it holds no database lock (before its first statement) and in
// increasing stripe order; otherwise it only tries the lock, and on
// failure retries, taking the stripes it needed before it begins.
const stripes = 64

// errStripeBusy reports a counter stripe held by another transaction of
// this process; the transaction is retried holding the stripe.
var errStripeBusy = errors.New("sql: counter in use by another transaction")

type counterLocks struct {
	seed maphash.Seed
	mu   [stripes]sync.Mutex
}

func newCounterLocks() *counterLocks {
	return &counterLocks{seed: maphash.MakeSeed()}
}

func (c *counterLocks) stripe(table string, key []byte) int {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(table)
	h.Write(key)
	return int(h.Sum64() % stripes)
}

// lockAll takes the stripes of a retried transaction, in order.
func (c *counterLocks) lockAll(list []int) []int {
	slices.Sort(list)
	list = slices.Compact(list)
	for _, s := range list {
		c.mu[s].Lock()
	}
	return list
}

func (c *counterLocks) unlockAll(list []int) {
	for _, s := range list {
		c.mu[s].Unlock()
	}
}

// acquire takes stripe s for tx.
func (tx *txn) acquire(s int) error {
	if slices.Contains(tx.held, s) {
		return nil
	}
	tx.touched = append(tx.touched, s)
	c := tx.db.locks
	if tx.stmts == 0 && (len(tx.held) == 0 || s > tx.held[len(tx.held)-1]) {
		c.mu[s].Lock()
	} else if !c.mu[s].TryLock() {
		tx.conflict = true
		return errStripeBusy
	}
	tx.held = append(tx.held, s)
	slices.Sort(tx.held)
	return nil
}
