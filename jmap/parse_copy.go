package jmap

import (
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

// blobCopy answers Blob/copy (RFC 8620 section 6.3). Only one account is
// served, so copies are within it.
func (c *call) blobCopy() (any, error) {
	var a struct {
		FromAccountID string   `json:"fromAccountId"`
		AccountID     string   `json:"accountId"`
		BlobIDs       []string `json:"blobIds"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	if _, err := c.account(a.FromAccountID); err != nil {
		return nil, methodErr(ErrTypeFromAccountNotFound, "")
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	copied, notCopied := map[string]string{}, map[string]*SetError{}
	for _, id := range a.BlobIDs {
		rc, err := c.h.openBlob(c.ctx, acct, id)
		if err != nil {
			notCopied[id] = setErr(SetErrBlobNotFound, "")
			continue
		}
		rc.Close()
		copied[id] = id
	}
	return map[string]any{"fromAccountId": a.FromAccountID, "accountId": a.AccountID,
		"copied": copied, "notCopied": notCopied}, nil
}

// emailCopy answers Email/copy (RFC 8621 section 4.7): the source must be
// another account, and only the principal's own account is served.
func (c *call) emailCopy() (any, error) {
	var a struct {
		FromAccountID string `json:"fromAccountId"`
		AccountID     string `json:"accountId"`
	}
	_ = jsonUnmarshal(c.args["fromAccountId"], &a.FromAccountID)
	_ = jsonUnmarshal(c.args["accountId"], &a.AccountID)
	if _, err := c.account(a.AccountID); err != nil {
		return nil, err
	}
	if a.FromAccountID == a.AccountID {
		return nil, invalidArgs("fromAccountId must differ from accountId")
	}
	return nil, methodErr(ErrTypeFromAccountNotFound, "")
}
