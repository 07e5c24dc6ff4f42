package jmap

import (
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
)

// CapSieve is the JMAP for Sieve capability (RFC 9661 section 2).
const CapSieve = "urn:ietf:params:jmap:sieve"

const typeSieveID = "SieveScript"

// SetError types of RFC 9661 section 2.2.
const (
	SetErrInvalidSieve  = "invalidSieve"
	SetErrSieveIsActive = "sieveIsActive"
)

type sieveScript struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	BlobID   string `json:"blobId"`
	IsActive bool   `json:"isActive"`
}

// sieveScripts lists the account's scripts with their ids; scripts
// stored by ManageSieve get an id on first sight. Ids survive renames.
func (c *call) sieveScripts(acct string) ([]sieveScript, error) {
	infos, err := c.h.opts.Sieve.List(c.ctx, acct)
	if err != nil {
		return nil, err
	}
	raw, err := c.h.data.list(c.ctx, acct, typeSieveID)
	if err != nil {
		return nil, err
	}
	idOf := map[string]string{}
	for id, b := range raw {
		var name string
		if jsonUnmarshal(b, &name) == nil {
			idOf[name] = id
		}
	}
	out := make([]sieveScript, 0, len(infos))
	for _, in := range infos {
		id, ok := idOf[in.Name]
		if !ok {
			if id, err = c.h.data.nextID(c.ctx, acct, typeSieveID, 'S'); err != nil {
				return nil, err
			}
			if err := c.h.data.put(c.ctx, acct, typeSieveID, id, in.Name); err != nil {
				return nil, err
			}
		}
		out = append(out, sieveScript{ID: id, Name: in.Name, IsActive: in.Active})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// scriptBlob stores a script's source as a blob the account may read.
func (c *call) scriptBlob(acct, name string) (string, error) {
	src, err := c.h.opts.Sieve.Get(c.ctx, acct, name)
	if err != nil {
		return "", err
	}
	h, n, err := c.h.opts.Blobs.Put(c.ctx, strings.NewReader(src))
	if err != nil {
		return "", err
	}
	err = c.h.data.putUpload(c.ctx, acct, h, upload{Type: "application/sieve", Size: n})
	return blobIDOf(h), err
}

// readScript reads a script source from a blob.
func (c *call) readScript(acct, blobID string) (string, error) {
	rc, err := c.h.openBlob(c.ctx, acct, blobID)
	if errors.Is(err, mailstore.ErrNotFound) {
		return "", setErr(SetErrBlobNotFound, "", "blobId")
	}
	if err != nil {
		return "", err
	}
	defer rc.Close()
	max := int64(c.h.opts.Sieve.MaxScriptSize())
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return "", err
	}
	if int64(len(b)) > max {
		return "", setErr(SetErrTooLarge, "", "blobId")
	}
	return string(b), nil
}

// sieveSetError maps a storage error to a SetError.
func sieveSetError(err error) error {
	var el *sieve.ErrorList
	switch {
	case errors.As(err, &el):
		return setErr(SetErrInvalidSieve, err.Error())
	case errors.Is(err, sieve.ErrQuota):
		return setErr(SetErrOverQuota, "")
	case errors.Is(err, sieve.ErrBadName):
		return setErr(SetErrInvalidProps, "invalid name", "name")
	case errors.Is(err, sieve.ErrScriptExists):
		return setErr(SetErrAlreadyExists, "")
	case errors.Is(err, sieve.ErrActiveScript):
		return setErr(SetErrSieveIsActive, "")
	case errors.Is(err, sieve.ErrNoScript):
		return setErr(SetErrNotFound, "")
	}
	return err
}

func (c *call) sieveGet() (any, error) {
	a, acct, err := c.beginGet()
	if err != nil {
		return nil, err
	}
	all, err := c.sieveScripts(acct)
	if err != nil {
		return nil, err
	}
	st, err := c.h.data.state(c.ctx, acct, typeSieveID)
	if err != nil {
		return nil, err
	}
	byID := map[string]sieveScript{}
	var ids []string
	for _, s := range all {
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	return answerGet(a, st, byID, ids, func(s *sieveScript) (err error) {
		s.BlobID, err = c.scriptBlob(acct, s.Name)
		return err
	})
}

// sieveValidate answers SieveScript/validate (RFC 9661 section 2.5).
func (c *call) sieveValidate() (any, error) {
	var a struct {
		AccountID string `json:"accountId"`
		BlobID    string `json:"blobId"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	src, err := c.readScript(acct, a.BlobID)
	var se *SetError
	if errors.As(err, &se) {
		return map[string]any{"accountId": a.AccountID, "error": se}, nil
	} else if err != nil {
		return nil, err
	}
	var out any
	if _, err := c.h.opts.Sieve.Check(src); err != nil {
		out = sieveSetError(err)
	}
	return map[string]any{"accountId": a.AccountID, "error": out}, nil
}
