package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp/client"
)

// MailstoreDelivery is the LocalDelivery that files mail in mailstore,
// resolving addresses with a directory. Outside addresses of lists are
// not followed here: they are queued when the message enters. Each copy
// goes to the inbox, starting with a Return-Path field (RFC 5321,
// section 4.4); no Sieve script runs here.
type MailstoreDelivery struct {
	Store     *mailstore.Store
	Directory directory.Directory
	// Postmaster is the account that takes mail for postmaster at every
	// local domain when the directory has no such address (RFC 5321,
	// section 4.5.1), as the SMTP server's Options.Postmaster does.
	// Empty: such mail fails as for any unknown address.
	Postmaster string
}

var _ LocalDelivery = (*MailstoreDelivery)(nil)

// IsLocalDomain asks the directory.
func (d *MailstoreDelivery) IsLocalDomain(ctx context.Context, domain string) (bool, error) {
	return d.Directory.IsLocalDomain(ctx, domain)
}

// DeliverLocal files r in the inbox of every account the recipients
// resolve to; one blob serves them all.
func (d *MailstoreDelivery) DeliverLocal(ctx context.Context, from string, rcpts []string,
	r io.Reader) ([]error, error) {
	results := make([]error, len(rcpts))
	var targets []mailstore.Recipient
	owner := map[string][]int{}
	for i, a := range rcpts {
		res, err := d.resolve(ctx, a)
		switch {
		case errors.Is(err, directory.ErrNotFound) || (err == nil && len(res.Accounts) == 0):
			results[i] = &client.Error{Code: 550, Status: "5.1.1",
				Lines: []string{"No such mailbox: " + a}}
			continue
		case err != nil:
			results[i] = &client.Error{Code: 451, Status: "4.3.0",
				Lines: []string{"address lookup failed"}, Err: err}
			continue
		}
		for _, acc := range res.Accounts {
			if _, ok := owner[acc]; !ok {
				targets = append(targets, mailstore.Recipient{Account: acc})
			}
			owner[acc] = append(owner[acc], i)
		}
	}
	if len(targets) == 0 {
		return results, nil
	}
	rp := strings.NewReader("Return-Path: <" + from + ">\r\n")
	got, err := d.Store.Deliver(ctx, io.MultiReader(rp, r), time.Time{}, targets)
	if err != nil {
		return nil, fmt.Errorf("deliver locally: %w", err)
	}
	for _, g := range got {
		if g.Err == nil {
			continue
		}
		e := &client.Error{Code: 550, Status: "5.1.1", Lines: []string{g.Err.Error()}}
		if errors.Is(g.Err, mailstore.ErrOverQuota) {
			e = &client.Error{Code: 452, Status: "4.2.2", Lines: []string{"Mailbox full"}}
		}
		for _, i := range owner[g.Account] {
			results[i] = e
		}
	}
	return results, nil
}

// resolve asks the directory where a delivers, sending postmaster at a
// local domain to Postmaster when the directory knows no such address.
func (d *MailstoreDelivery) resolve(ctx context.Context, a string) (directory.Resolution, error) {
	res, err := d.Directory.Resolve(ctx, a)
	if err != nil || d.Postmaster == "" || !res.Local ||
		len(res.Accounts) > 0 || len(res.External) > 0 {
		return res, err
	}
	if i := strings.LastIndexByte(a, '@'); i > 0 && strings.EqualFold(a[:i], "postmaster") {
		res.Accounts = []string{d.Postmaster}
	}
	return res, nil
}
