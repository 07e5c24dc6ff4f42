package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// exactOp is one step of an import that keeps UIDs: putting the email of
// an index line into one of its mailboxes under its UID there. The first
// step of a line creates its email; the others add it to more mailboxes.
type exactOp struct {
	line, link int
	create     bool
}

// exactPlan orders the mailbox links of an account's index so that every
// mailbox receives its UIDs in ascending order, as mailstore.ImportExact
// requires: mailbox by mailbox in name order, UIDs ascending. An email in
// several mailboxes is created at its first step and linked to the others
// at theirs, which keeps every order possible (an email's UIDs in two
// mailboxes may order it before one email in the first and after it in
// the second). ok is false when the export lacks what keeping UIDs
// needs: a mailbox without UIDVALIDITY, a link without UID, a UID twice
// in one mailbox, or a link to a mailbox not listed.
func exactPlan(lines []messageJSON, mbs []mailboxJSON) ([]exactOp, bool) {
	order := map[string]int{}
	for i, mb := range mbs {
		if mb.UIDValidity == 0 {
			return nil, false
		}
		order[mb.Name] = i
	}
	type ref struct {
		mbox int
		uid  uint32
		line int
		link int
	}
	var refs []ref
	for i, l := range lines {
		for j, lk := range l.Mailboxes {
			o, ok := order[lk.Name]
			if !ok || lk.UID == 0 {
				return nil, false
			}
			refs = append(refs, ref{o, lk.UID, i, j})
		}
	}
	sort.Slice(refs, func(a, b int) bool {
		if refs[a].mbox != refs[b].mbox {
			return refs[a].mbox < refs[b].mbox
		}
		return refs[a].uid < refs[b].uid
	})
	ops := make([]exactOp, len(refs))
	created := make([]bool, len(lines))
	for i, r := range refs {
		if i > 0 && refs[i-1].mbox == r.mbox && refs[i-1].uid == r.uid {
			return nil, false
		}
		ops[i] = exactOp{line: r.line, link: r.link, create: !created[r.line]}
		created[r.line] = true
	}
	return ops, true
}

// highestModSeq is the highest MODSEQ the export records for an account.
func highestModSeq(acct accountJSON, mbs []mailboxJSON, lines []messageJSON) uint64 {
	q := acct.HighestModSeq
	for _, mb := range mbs {
		q = max(q, mb.HighestModSeq)
	}
	for _, l := range lines {
		for _, lk := range l.Mailboxes {
			q = max(q, lk.ModSeq)
		}
	}
	return q
}

// importExact runs the steps of an exact plan from the last checkpoint
// on. A step whose UID the mailbox already holds was done before a crash
// and is skipped, so a resumed import ends as an uninterrupted one.
func (im *importer) importExact(ctx context.Context, account string, lines []messageJSON,
	ops []exactOp, ids map[string]mailstore.MailboxID) (int64, error) {
	key := "exact\x00" + account
	start, err := im.cp.count(ctx, key)
	if err != nil {
		return 0, err
	}
	start = min(max(start, 0), int64(len(ops)))
	createdAt := make([]int, len(lines))
	files := make([]messageJSON, len(ops))
	for i, op := range ops {
		if op.create {
			createdAt[op.line] = i
			files[i] = lines[op.line]
			if int64(i) < start {
				im.done++
			}
		}
	}
	report(im.opts.Progress, im.done, im.total)
	st := &exactState{im: im, account: account, lines: lines, ops: ops, ids: ids,
		createdAt: createdAt, emails: map[int]mailstore.EmailID{}}
	pf := im.startPrefetch(ctx, files, start, im.opts.Workers)
	defer pf.stop()
	for i := start; i < int64(len(ops)); i++ {
		put, err := pf.next(ctx)
		if err == nil {
			err = put.err
		}
		if err == nil {
			resuming := i < start+int64(im.opts.CheckpointEvery)
			err = st.step(ctx, int(i), put, resuming)
		}
		if err != nil {
			return i, err
		}
		if (i+1)%int64(im.opts.CheckpointEvery) == 0 {
			if err := im.cp.setCount(ctx, key, i+1); err != nil {
				return i, err
			}
		}
	}
	return int64(len(lines)), im.cp.setCount(ctx, key, int64(len(ops)))
}

// exactState carries what the steps of one account share.
type exactState struct {
	im        *importer
	account   string
	lines     []messageJSON
	ops       []exactOp
	ids       map[string]mailstore.MailboxID
	createdAt []int
	// emails holds the ids of emails created in this run that more steps
	// link to other mailboxes.
	emails map[int]mailstore.EmailID
}

// step runs one step; when resuming it first looks whether the step was
// done already.
func (st *exactState) step(ctx context.Context, i int, put putResult, resuming bool) error {
	im, op := st.im, st.ops[i]
	l := st.lines[op.line]
	lk := l.Mailboxes[op.link]
	link := mailstore.ExactLink{Mailbox: st.ids[lk.Name], UID: lk.UID, ModSeq: lk.ModSeq}
	if resuming {
		_, err := im.dst.Mail.EmailAt(ctx, st.account, link.Mailbox, link.UID)
		if err == nil {
			st.progress(op)
			return nil
		}
		if !errors.Is(err, mailstore.ErrNotFound) {
			return err
		}
	}
	if !op.create {
		id, err := st.email(ctx, op.line)
		if err != nil {
			return err
		}
		return im.dst.Mail.LinkExact(ctx, st.account, id, link)
	}
	id, err := im.dst.Mail.ImportExact(ctx, st.account, put.hash,
		[]mailstore.ExactLink{link}, l.Keywords, l.Received)
	if err != nil {
		return fmt.Errorf("message %s: %w", l.Blob, err)
	}
	if len(l.Mailboxes) > 1 {
		st.emails[op.line] = id
	}
	st.progress(op)
	return nil
}

func (st *exactState) progress(op exactOp) {
	if op.create {
		st.im.done++
		report(st.im.opts.Progress, st.im.done, st.im.total)
	}
}

// email returns the id of the email of a line created at an earlier step,
// found by its UID when that step ran before a crash.
func (st *exactState) email(ctx context.Context, line int) (mailstore.EmailID, error) {
	if id, ok := st.emails[line]; ok {
		return id, nil
	}
	first := st.ops[st.createdAt[line]]
	lk := st.lines[line].Mailboxes[first.link]
	id, err := st.im.dst.Mail.EmailAt(ctx, st.account, st.ids[lk.Name], lk.UID)
	if err != nil {
		return "", fmt.Errorf("message %s: %w", st.lines[line].Blob, err)
	}
	st.emails[line] = id
	return id, nil
}

// setUIDNext gives each mailbox the UIDNEXT it had.
func (im *importer) setUIDNext(ctx context.Context, account string, mbs []mailboxJSON,
	ids map[string]mailstore.MailboxID) error {
	for _, mb := range mbs {
		if err := im.dst.Mail.SetUIDNext(ctx, account, ids[mb.Name], mb.UIDNext); err != nil {
			return fmt.Errorf("mailbox %q: %w", mb.Name, err)
		}
	}
	return nil
}
