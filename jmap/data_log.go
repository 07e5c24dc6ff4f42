package jmap

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/bulwarkmail/bulwark/store"
)

// The handler's own types (Identity, EmailSubmission, SieveScript,
// VacationResponse, PushSubscription) keep a change log beside their
// state counter, so that Foo/changes (RFC 8620 section 5.2) can list what
// changed. Each state moves by one with each change, whose entry is
// stored under the new state; the oldest entries are dropped, and a state
// older than those kept cannot be followed.

// Operations of a change-log entry.
const (
	opCreated   byte = 'c'
	opUpdated   byte = 'u'
	opDestroyed byte = 'd'
)

// maxLogEntries is how many changes of a type are kept per account.
const maxLogEntries = 1024

var (
	// errNoObject is returned by data.put when deleting an object that
	// does not exist.
	errNoObject = errors.New("jmap: no such object")
	// errLogGone means the changes since a state are no longer known.
	errLogGone = errors.New("jmap: changes no longer logged")
)

func logKey(account, typ string, st uint64) []byte {
	return binary.BigEndian.AppendUint64(objKey(account, typ, ""), st)
}

// logChange records that the change which moved a type to state st was
// op on id, and drops the entry that falls out of the window.
func logChange(tx store.Tx, account, typ string, st uint64, op byte, id string) error {
	if err := tx.Put(spaceLog, logKey(account, typ, st), append([]byte{op}, id...)); err != nil {
		return err
	}
	if st > maxLogEntries {
		return tx.Delete(spaceLog, logKey(account, typ, st-maxLogEntries))
	}
	return nil
}

// logChanges is what changed in a type since a state.
type logChanges struct {
	created, updated, destroyed []string
	newState                    uint64
	hasMore                     bool
}

// changesSince folds the log after state since: an object created and
// destroyed in between is left out, one created and then updated is
// created. With max > 0 it stops before the change that would name a
// (max+1)th object and sets hasMore. It returns errLogGone when the log
// no longer reaches back to since, or since is a state never given.
func (d *data) changesSince(ctx context.Context, account, typ string, since uint64,
	max int) (logChanges, error) {
	type entry struct {
		st uint64
		op byte
		id string
	}
	var cur uint64
	var entries []entry
	err := d.kv.View(ctx, func(tx store.Tx) error {
		var err error
		if cur, err = tx.Counter(spaceCounter, objKey(account, typ, "state")); err != nil {
			return err
		}
		if since >= cur {
			return nil
		}
		prefix := objKey(account, typ, "")
		r := store.Range{Start: logKey(account, typ, since+1), End: logKey(account, typ, cur+1)}
		return tx.Scan(spaceLog, r, func(k, v []byte) error {
			if len(k) != len(prefix)+8 || len(v) < 1 {
				return errLogGone
			}
			entries = append(entries, entry{binary.BigEndian.Uint64(k[len(prefix):]), v[0],
				string(v[1:])})
			return nil
		})
	})
	if err != nil {
		return logChanges{}, err
	}
	switch {
	case since > cur:
		return logChanges{}, errLogGone
	case since == cur:
		return logChanges{newState: cur}, nil
	case uint64(len(entries)) != cur-since || entries[0].st != since+1:
		return logChanges{}, errLogGone
	}
	type fold struct{ first, last byte }
	seen := map[string]*fold{}
	var order []string
	out := logChanges{newState: cur}
	for _, e := range entries {
		f, ok := seen[e.id]
		if !ok {
			if max > 0 && len(order) == max {
				out.newState, out.hasMore = e.st-1, true
				break
			}
			f = &fold{first: e.op}
			seen[e.id] = f
			order = append(order, e.id)
		}
		f.last = e.op
	}
	for _, id := range order {
		f := seen[id]
		switch {
		case f.first == opCreated && f.last == opDestroyed:
		case f.first == opCreated:
			out.created = append(out.created, id)
		case f.last == opDestroyed:
			out.destroyed = append(out.destroyed, id)
		default:
			out.updated = append(out.updated, id)
		}
	}
	return out, nil
}
