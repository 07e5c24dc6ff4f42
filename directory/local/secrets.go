package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/store"
)

// appSecret is the stored form of an app password.
type appSecret struct {
	ID      string    `json:"id"`
	Label   string    `json:"label"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
}

// AppPassword describes an app password without its secret.
type AppPassword struct {
	// ID identifies the app password for removal.
	ID string
	// Label is the owner's name for it ("phone").
	Label string
	// Created is when it was made.
	Created time.Time
}

func getRecordValue(k, v []byte) (*record, error) {
	r := new(record)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("decode principal %q: %w", k, err)
	}
	return r, nil
}

// SetPassword replaces the password of a principal with an argon2id hash
// of password; an empty password removes it (app passwords remain).
func (d *Directory) SetPassword(ctx context.Context, name, pw string) error {
	h := ""
	if pw != "" {
		var err error
		if h, err = d.Options().Passwords.Hash(pw); err != nil {
			return err
		}
	}
	return d.SetSecret(ctx, name, h)
}

// SetSecret stores an already hashed secret as the principal's password,
// as imported from another server (any form package password reads).
func (d *Directory) SetSecret(ctx context.Context, name, hash string) error {
	return d.edit(ctx, name, func(r *record) error {
		r.Secret = hash
		return nil
	})
}

// AddAppPassword makes a new random app password for a principal and
// returns it; only its hash is kept.
func (d *Directory) AddAppPassword(ctx context.Context, name, label string,
) (AppPassword, string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return AppPassword{}, "", err
	}
	secret := hex.EncodeToString(raw[:15])
	h, err := password.HashRandom(secret)
	if err != nil {
		return AppPassword{}, "", err
	}
	a := appSecret{ID: hex.EncodeToString(raw[15:]), Label: label, Hash: h,
		Created: time.Now().UTC().Truncate(time.Second)}
	err = d.edit(ctx, name, func(r *record) error {
		r.Apps = append(r.Apps, a)
		return nil
	})
	if err != nil {
		return AppPassword{}, "", err
	}
	return AppPassword{ID: a.ID, Label: a.Label, Created: a.Created}, secret, nil
}

// AppPasswords lists the app passwords of a principal.
func (d *Directory) AppPasswords(ctx context.Context, name string) ([]AppPassword, error) {
	n, err := normalizeName(name)
	if err != nil {
		return nil, directory.ErrNotFound
	}
	var out []AppPassword
	err = d.kv.View(ctx, func(tx store.Tx) error {
		r, err := getRecord(tx, n)
		if err != nil {
			return err
		}
		for _, a := range r.Apps {
			out = append(out, AppPassword{ID: a.ID, Label: a.Label, Created: a.Created})
		}
		return nil
	})
	return out, err
}

// RemoveAppPassword deletes an app password by id; it returns
// directory.ErrNotFound when the principal has no such app password.
func (d *Directory) RemoveAppPassword(ctx context.Context, name, id string) error {
	return d.edit(ctx, name, func(r *record) error {
		n := len(r.Apps)
		r.Apps = slices.DeleteFunc(r.Apps, func(a appSecret) bool { return a.ID == id })
		if len(r.Apps) == n {
			return fmt.Errorf("app password %q: %w", id, directory.ErrNotFound)
		}
		return nil
	})
}

// edit changes a stored record in one transaction.
func (d *Directory) edit(ctx context.Context, name string, fn func(*record) error) error {
	n, err := normalizeName(name)
	if err != nil {
		return directory.ErrNotFound
	}
	return d.kv.Update(ctx, func(tx store.Tx) error {
		r, err := getRecord(tx, n)
		if err != nil {
			return fmt.Errorf("principal %q: %w", n, err)
		}
		if err := fn(r); err != nil {
			return err
		}
		return putRecord(tx, r)
	})
}

// ImportAppPassword adds an app password from its stored form, as
// imported from another server.
func (d *Directory) ImportAppPassword(ctx context.Context, name, label, hash string,
) (AppPassword, error) {
	raw := make([]byte, 5)
	if _, err := rand.Read(raw); err != nil {
		return AppPassword{}, err
	}
	a := appSecret{ID: hex.EncodeToString(raw), Label: label, Hash: hash,
		Created: time.Now().UTC().Truncate(time.Second)}
	err := d.edit(ctx, name, func(r *record) error {
		r.Apps = append(r.Apps, a)
		return nil
	})
	return AppPassword{ID: a.ID, Label: a.Label, Created: a.Created}, err
}
