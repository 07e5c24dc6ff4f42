package jmap

import (
	"errors"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// emailParse answers Email/parse (RFC 8621 section 4.9): blobs holding
// messages are parsed and returned as Email objects without id,
// mailboxIds, keywords or receivedAt.
func (c *call) emailParse() (any, error) {
	var a struct {
		emailGetArgs
		BlobIDs []string `json:"blobIds"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkGetLimit(len(a.BlobIDs)); err != nil {
		return nil, err
	}
	props := []string{"messageId", "inReplyTo", "references", "sender", "from", "to",
		"cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment", "preview",
		"bodyValues", "textBody", "htmlBody", "attachments"}
	if a.Properties != nil {
		props = *a.Properties
	}
	bprops := defaultBodyProps
	if a.BodyProperties != nil {
		bprops = *a.BodyProperties
	}
	parsed, notParsable, notFound := map[string]any{}, []string{}, []string{}
	for _, id := range a.BlobIDs {
		h, _, _, ok := parseBlobID(id)
		if ok && strings.HasPrefix(id, "G") {
			ok, err = c.h.mayReadBlob(c.ctx, acct, h)
			if err != nil {
				return nil, err
			}
		}
		if !ok || !strings.HasPrefix(id, "G") {
			notFound = append(notFound, id)
			continue
		}
		rc, err := c.h.opts.Blobs.Open(c.ctx, h, 0, -1)
		if err != nil {
			return nil, err
		}
		m, err := msgparse.Parse(rc)
		rc.Close()
		if err != nil {
			notParsable = append(notParsable, id)
			continue
		}
		e := &mailstore.Email{ID: mailstore.EmailID(id), Blob: h, Size: m.Size, Parsed: m}
		b := c.newEmailBuilder(e, bprops, &a.emailGetArgs)
		obj, err := b.build(props)
		b.close()
		if err != nil {
			return nil, err
		}
		delete(obj, "id")
		parsed[id] = obj
	}
	return map[string]any{"accountId": a.AccountID, "parsed": parsed,
		"notParsable": notParsable, "notFound": notFound}, nil
}

// blobCopy answers Blob/copy (RFC 8620 section 6.3): a blob the source
// account may read is stored for the target account, whole blobs under
// the same id, a part of an email under the id of its decoded content.
func (c *call) blobCopy() (any, error) {
	var a struct {
		FromAccountID string   `json:"fromAccountId"`
		AccountID     string   `json:"accountId"`
		BlobIDs       []string `json:"blobIds"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	from, err := c.account(a.FromAccountID)
	if err != nil {
		return nil, methodErr(ErrTypeFromAccountNotFound, "")
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSetLimit(len(a.BlobIDs)); err != nil {
		return nil, err
	}
	copied, notCopied := map[string]string{}, map[string]*SetError{}
	for _, id := range a.BlobIDs {
		newID, err := c.copyBlob(from, acct, id)
		if err != nil {
			if err := fail(notCopied, id, err); err != nil {
				return nil, err
			}
			continue
		}
		copied[id] = newID
	}
	return map[string]any{"fromAccountId": a.FromAccountID, "accountId": a.AccountID,
		"copied": copied, "notCopied": notCopied}, nil
}

// copyBlob makes a blob of account from readable by account to and
// returns its id there.
func (c *call) copyBlob(from, to, id string) (string, error) {
	rc, err := c.h.openBlob(c.ctx, from, id)
	if errors.Is(err, mailstore.ErrNotFound) {
		return "", setErr(SetErrBlobNotFound, "", "blobIds")
	}
	if err != nil {
		return "", err
	}
	defer rc.Close()
	if from == to {
		return id, nil
	}
	typ := "application/octet-stream"
	if h, _, _, ok := parseBlobID(id); ok && strings.HasPrefix(id, "G") {
		if u, found, err := c.h.data.getUpload(c.ctx, from, h); err == nil && found {
			typ = u.Type
		}
	}
	h, size, err := c.h.opts.Blobs.Put(c.ctx, rc)
	if err != nil {
		return "", err
	}
	if err := c.h.data.putUpload(c.ctx, to, h, upload{Type: typ, Size: size}); err != nil {
		return "", err
	}
	return blobIDOf(h), nil
}
