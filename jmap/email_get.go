package jmap

import (
	"fmt"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
)

var defaultEmailProps = []string{"id", "blobId", "threadId", "mailboxIds", "keywords",
	"size", "receivedAt", "messageId", "inReplyTo", "references", "sender", "from", "to",
	"cc", "bcc", "replyTo", "subject", "sentAt", "hasAttachment", "preview", "bodyValues",
	"textBody", "htmlBody", "attachments"}

var defaultBodyProps = []string{"partId", "blobId", "size", "name", "type", "charset",
	"disposition", "cid", "language", "location"}

type emailGetArgs struct {
	AccountID           string    `json:"accountId"`
	IDs                 *[]string `json:"ids"`
	Properties          *[]string `json:"properties"`
	BodyProperties      *[]string `json:"bodyProperties"`
	FetchTextBodyValues bool      `json:"fetchTextBodyValues"`
	FetchHTMLBodyValues bool      `json:"fetchHTMLBodyValues"`
	FetchAllBodyValues  bool      `json:"fetchAllBodyValues"`
	MaxBodyValueBytes   int       `json:"maxBodyValueBytes"`
}

// emailGet answers Email/get (RFC 8621 section 4.2).
func (c *call) emailGet() (any, error) {
	var a emailGetArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if a.IDs == nil {
		return nil, methodErr(ErrTypeRequestTooLarge, "ids must be given")
	}
	if err := c.checkGetLimit(len(*a.IDs)); err != nil {
		return nil, err
	}
	if a.MaxBodyValueBytes < 0 {
		return nil, invalidArgs("maxBodyValueBytes")
	}
	st, err := c.currentState(acct)
	if err != nil {
		return nil, err
	}
	ids := make([]mailstore.EmailID, len(*a.IDs))
	for i, id := range *a.IDs {
		rid, _ := c.resolveID(id)
		ids[i] = mailstore.EmailID(rid)
	}
	emails, err := c.h.ms.Emails(c.ctx, acct, ids)
	if err != nil {
		return nil, err
	}
	props := defaultEmailProps
	if a.Properties != nil {
		props = *a.Properties
	}
	bprops := defaultBodyProps
	if a.BodyProperties != nil {
		bprops = *a.BodyProperties
	}
	res := &getResult{AccountID: a.AccountID, State: st, List: []any{}, NotFound: []string{}}
	for i, e := range emails {
		if e == nil {
			res.NotFound = append(res.NotFound, string(ids[i]))
			continue
		}
		b := c.newEmailBuilder(e, bprops, &a)
		obj, err := b.build(props)
		b.close()
		if err != nil {
			return nil, err
		}
		res.List = append(res.List, obj)
	}
	return res, nil
}

// emailBuilder renders the properties of one email.
type emailBuilder struct {
	c      *call
	e      *mailstore.Email
	m      *msgparse.Message
	bprops []string
	args   *emailGetArgs
	raw    *blobReaderAt
	parts  map[*msgparse.Part]string
}

func (c *call) newEmailBuilder(e *mailstore.Email, bprops []string,
	a *emailGetArgs) *emailBuilder {
	b := &emailBuilder{c: c, e: e, m: e.Parsed, bprops: bprops, args: a,
		raw: &blobReaderAt{ctx: c.ctx, blobs: c.h.opts.Blobs, hash: e.Blob}}
	if b.m == nil {
		b.m = &msgparse.Message{Root: &msgparse.Part{Type: "text", Subtype: "plain"}}
	}
	b.parts = partIDs(b.m)
	return b
}

func (b *emailBuilder) close() { b.raw.Close() }

// partIDs numbers the parts of a message in tree order; they are the
// JMAP partIds.
func partIDs(m *msgparse.Message) map[*msgparse.Part]string {
	ids := map[*msgparse.Part]string{}
	n := 0
	if m.Root == nil {
		return ids
	}
	m.Root.Walk(func(p *msgparse.Part) bool {
		n++
		ids[p] = fmt.Sprint(n)
		return true
	})
	return ids
}

func (b *emailBuilder) build(props []string) (map[string]any, error) {
	out := map[string]any{"id": string(b.e.ID)}
	for _, p := range props {
		v, err := b.prop(p)
		if err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, nil
}

func (b *emailBuilder) prop(p string) (any, error) {
	e, m := b.e, b.m
	switch p {
	case "id":
		return string(e.ID), nil
	case "blobId":
		return blobIDOf(e.Blob), nil
	case "threadId":
		return string(e.ThreadID), nil
	case "mailboxIds":
		ids := map[string]bool{}
		for id := range e.Mailboxes {
			ids[string(id)] = true
		}
		return ids, nil
	case "keywords":
		kw := map[string]bool{}
		for _, k := range e.Keywords {
			kw[k] = true
		}
		return kw, nil
	case "size":
		return e.Size, nil
	case "receivedAt":
		return utcDate(e.Received), nil
	case "messageId":
		return nilIfEmpty(nonEmpty(m.MessageID)), nil
	case "inReplyTo":
		return nilIfEmpty(m.InReplyTo), nil
	case "references":
		return nilIfEmpty(m.References), nil
	case "sender":
		return addresses(m.Sender), nil
	case "from":
		return addresses(m.From), nil
	case "to":
		return addresses(m.To), nil
	case "cc":
		return addresses(m.Cc), nil
	case "bcc":
		return addresses(m.Bcc), nil
	case "replyTo":
		return addresses(m.ReplyTo), nil
	case "subject":
		return m.Subject, nil
	case "sentAt":
		if m.Date.IsZero() {
			return nil, nil
		}
		return m.Date.Format("2006-01-02T15:04:05Z07:00"), nil
	case "hasAttachment":
		return len(m.Attachments) > 0, nil
	case "preview":
		return m.Preview, nil
	case "bodyValues":
		return b.bodyValues()
	case "textBody":
		return b.partList(m.TextBody), nil
	case "htmlBody":
		return b.partList(m.HTMLBody), nil
	case "attachments":
		return b.partList(m.Attachments), nil
	case "bodyStructure":
		return b.bodyPart(m.Root), nil
	case "headers":
		return b.headers(m.Root)
	}
	if strings.HasPrefix(p, "header:") {
		return b.headerProp(m.Root, p)
	}
	return nil, invalidArgs("unknown property " + p)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func nilIfEmpty(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

// emailAddress is an EmailAddress (RFC 8621 section 4.1.2.3).
type emailAddress struct {
	Name  *string `json:"name"`
	Email string  `json:"email"`
}

func addresses(in []msgparse.Address) any {
	if len(in) == 0 {
		return nil
	}
	out := make([]emailAddress, 0, len(in))
	for _, a := range in {
		if a.Kind != msgparse.KindMailbox {
			continue
		}
		ea := emailAddress{Email: a.Addr()}
		if a.Name != "" {
			n := a.Name
			ea.Name = &n
		}
		out = append(out, ea)
	}
	return out
}
