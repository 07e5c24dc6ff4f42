package jmap

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/bulwarkmail/bulwark/store"
)

// The handler's own key-value spaces.
const (
	spaceObject  store.Space = "jmap_object"
	spaceCounter store.Space = "jmap_counter"
	spaceUpload  store.Space = "jmap_upload"
	spaceLog     store.Space = "jmap_log"
)

// data keeps the objects JMAP holds beyond mailstore: identities, the
// vacation response, submissions and uploads, each a JSON record under
// account, type and id.
type data struct {
	kv store.KV
}

func objKey(account, typ, id string) []byte {
	k := make([]byte, 0, len(account)+len(typ)+len(id)+2)
	k = append(append(append(k, account...), 0), typ...)
	k = append(append(k, 0), id...)
	return k
}

// get reads one object into v; ok is false when it does not exist.
func (d *data) get(ctx context.Context, account, typ, id string, v any) (bool, error) {
	var b []byte
	err := d.kv.View(ctx, func(tx store.Tx) error {
		val, err := tx.Get(spaceObject, objKey(account, typ, id))
		b = append([]byte(nil), val...)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

// list returns every object of a type as raw JSON by id.
func (d *data) list(ctx context.Context, account, typ string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	prefix := objKey(account, typ, "")
	err := d.kv.View(ctx, func(tx store.Tx) error {
		return tx.Scan(spaceObject, store.Prefix(prefix), func(k, v []byte) error {
			out[string(k[len(prefix):])] = append(json.RawMessage(nil), v...)
			return nil
		})
	})
	return out, err
}

// put stores an object (v nil deletes it), moves the type's state and
// logs the change under the new state. Deleting an object that does not
// exist returns errNoObject and changes nothing.
func (d *data) put(ctx context.Context, account, typ, id string, v any) error {
	var b []byte
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		k := objKey(account, typ, id)
		_, err := tx.Get(spaceObject, k)
		existed := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		op := opUpdated
		switch {
		case v == nil && !existed:
			return errNoObject
		case v == nil:
			op, err = opDestroyed, tx.Delete(spaceObject, k)
		default:
			if !existed {
				op = opCreated
			}
			err = tx.Put(spaceObject, k, b)
		}
		if err != nil {
			return err
		}
		st, err := tx.Add(spaceCounter, objKey(account, typ, "state"), 1)
		if err != nil {
			return err
		}
		return logChange(tx, account, typ, st, op, id)
	})
}

// state returns the state string of a type of the handler's own objects.
func (d *data) state(ctx context.Context, account, typ string) (string, error) {
	var n uint64
	err := d.kv.View(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Counter(spaceCounter, objKey(account, typ, "state"))
		return err
	})
	return strconv.FormatUint(n, 10), err
}

// nextID draws a new id for an object of a type.
func (d *data) nextID(ctx context.Context, account, typ string, prefix byte) (string, error) {
	var n uint64
	err := d.kv.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Add(spaceCounter, objKey(account, typ, "id"), 1)
		return err
	})
	return string(prefix) + strconv.FormatUint(n, 36), err
}

// upload records that an account uploaded a blob.
type upload struct {
	Type string `json:"type"`
	Size int64  `json:"size"`
}

func (d *data) putUpload(ctx context.Context, account string, h store.Hash, u upload) error {
	b, _ := json.Marshal(u)
	return d.kv.Update(ctx, func(tx store.Tx) error {
		return tx.Put(spaceUpload, objKey(account, "", h.String()), b)
	})
}

func (d *data) getUpload(ctx context.Context, account string, h store.Hash) (upload, bool, error) {
	var u upload
	var b []byte
	err := d.kv.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get(spaceUpload, objKey(account, "", h.String()))
		b = append([]byte(nil), v...)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return u, false, nil
	}
	if err != nil {
		return u, false, err
	}
	return u, true, json.Unmarshal(b, &u)
}
