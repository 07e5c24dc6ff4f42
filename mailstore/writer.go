package mailstore

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/bulwarkmail/bulwark/store"
)

// changeOp is what happened to an object in the change log.
type changeOp byte

const (
	opCreated changeOp = 1 + iota
	opUpdated
	opDestroyed
	// opCounts is an update of a mailbox's counts alone.
	opCounts
)

type changeKey struct {
	kind Kind
	id   uint64
}

// writer carries the state of one write transaction on an account: the
// MODSEQ it draws (one per transaction, RFC 7162 section 3.1), the mailbox
// records it changed, and the changes to log and announce.
type writer struct {
	ctx       context.Context
	s         *Store
	tx        store.Tx
	account   string
	acct      accountRec
	acctDirty bool
	now       int64
	modseq    uint64
	mboxes    map[uint32]*mailboxRec
	dirty     map[uint32]bool
	touched   []uint32
	kinds     Kind
	logged    map[changeKey]changeOp
}

func (s *Store) newWriter(ctx context.Context, tx store.Tx, account string,
	a accountRec) *writer {
	return &writer{
		ctx: ctx, s: s, tx: tx, account: account, acct: a, now: s.now().Unix(),
		mboxes: map[uint32]*mailboxRec{}, dirty: map[uint32]bool{},
		logged: map[changeKey]changeOp{},
	}
}

// nextModSeq returns the MODSEQ of this transaction, drawing it from the
// account's counter on first use.
func (w *writer) nextModSeq() (uint64, error) {
	if w.modseq != 0 {
		return w.modseq, nil
	}
	q, err := w.tx.Add(spaceCounter, newKey(w.acct.num).byte(ctrModSeq), 1)
	if err != nil {
		return 0, fmt.Errorf("next modseq: %w", err)
	}
	w.modseq = q
	return q, nil
}

// nextID draws a number from one of the account's id counters.
func (w *writer) nextID(ctr byte) (uint64, error) {
	n, err := w.tx.Add(spaceCounter, newKey(w.acct.num).byte(ctr), 1)
	if err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	return n, nil
}

// log records a change to an object under this transaction's MODSEQ.
// Several changes to one object in a transaction merge into one.
func (w *writer) log(kind Kind, id uint64, op changeOp) error {
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	w.kinds |= kind
	ck := changeKey{kind, id}
	prev, seen := w.logged[ck]
	switch {
	case !seen:
	case prev == opCreated && op == opDestroyed:
		// Never visible outside the transaction: leave no trace.
		delete(w.logged, ck)
		return w.tx.Delete(spaceChange, changeLogKey(w.acct.num, q, kind, id))
	case prev == opCreated, prev == opDestroyed:
		op = prev
	case prev == opUpdated && op == opCounts:
		op = prev
	}
	w.logged[ck] = op
	v := enc{b: make([]byte, 0, 12)}
	v.byte(changeFormat)
	v.byte(byte(op))
	v.varint(w.now)
	return w.tx.Put(spaceChange, changeLogKey(w.acct.num, q, kind, id), v.b)
}

func changeLogKey(a uint32, q uint64, kind Kind, id uint64) key {
	return newKey(a).u64(q).byte(byte(kind)).u64(id)
}

// mailbox returns the record of mailbox m, read once per transaction;
// changes to it are written by flush once marked with touch.
func (w *writer) mailbox(m uint32) (*mailboxRec, error) {
	if mb, ok := w.mboxes[m]; ok {
		if mb == nil {
			return nil, fmt.Errorf("mailbox %s: %w", mailboxID(m), ErrNotFound)
		}
		return mb, nil
	}
	b, err := w.tx.Get(spaceMailbox, mailboxKey(w.acct.num, m))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("mailbox %s: %w", mailboxID(m), ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeMailbox(b)
	if err != nil {
		return nil, err
	}
	w.mboxes[m] = &rec
	return &rec, nil
}

// mailboxByID is mailbox for a MailboxID.
func (w *writer) mailboxByID(id MailboxID) (uint32, *mailboxRec, error) {
	m, ok := id.num()
	if !ok {
		return 0, nil, fmt.Errorf("mailbox %s: %w", id, ErrNotFound)
	}
	mb, err := w.mailbox(m)
	return m, mb, err
}

// touch marks mailbox m changed in this transaction: its HIGHESTMODSEQ
// moves to this MODSEQ and the change is logged.
func (w *writer) touch(m uint32, op changeOp) error {
	mb, err := w.mailbox(m)
	if err != nil {
		return err
	}
	q, err := w.nextModSeq()
	if err != nil {
		return err
	}
	mb.modseq = q
	if !w.dirty[m] {
		w.dirty[m] = true
		w.touched = append(w.touched, m)
	}
	return w.log(KindMailbox, uint64(m), op)
}

// flush writes the mailbox and account records changed.
func (w *writer) flush() error {
	for _, m := range w.touched {
		mb := w.mboxes[m]
		if mb == nil {
			continue // deleted in this transaction
		}
		if err := w.tx.Put(spaceMailbox, mailboxKey(w.acct.num, m), mb.encode()); err != nil {
			return err
		}
	}
	if w.acctDirty {
		return w.tx.Put(spaceAccount, []byte(w.account), w.acct.encode())
	}
	return nil
}

// event is what subscribers learn of this transaction.
func (w *writer) event() Event {
	ev := Event{Account: w.account, ModSeq: w.modseq, Kinds: w.kinds}
	ms := append([]uint32(nil), w.touched...)
	sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
	for _, m := range ms {
		ev.Mailboxes = append(ev.Mailboxes, mailboxID(m))
	}
	return ev
}
