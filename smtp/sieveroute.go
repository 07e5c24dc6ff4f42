package smtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
)

// SieveRoute runs each local account's active Sieve script (RFC 5228) at
// delivery; its Route method is a StoreDelivery.Route. keep and fileinto
// become mailstore destinations with the script's IMAP flags (RFC 5232)
// as keywords, discard files nothing, reject and ereject (RFC 5429) refuse
// the message for the account, and redirect, vacation (RFC 5230), notify
// (RFC 5435) and reject notices go to Outgoing. A script that fails at
// run time keeps the message (RFC 5228 section 2.10.6); an account
// without an active script gets it in its inbox.
type SieveRoute struct {
	// Store holds the mailboxes. Required.
	Store *mailstore.Store
	// Scripts holds the accounts' scripts and their compiled forms (the
	// storage ManageSieve serves). Required.
	Scripts *sieve.Storage
	// Tracker keeps vacation response records (RFC 5230 section 4.2)
	// and duplicate ids (RFC 7352). Nil sends no vacation replies and
	// makes duplicate tests remember nothing.
	Tracker *sieve.Tracker
	// Outgoing sends redirected mail, vacation replies, notifications
	// and reject notices: the outbound queue. Nil logs and drops them;
	// a message the script only redirected is then kept instead.
	Outgoing Relay
	// Hostname is the RFC 5183 environment item "host"; Domain the item
	// "domain".
	Hostname string
	Domain   string
	// Send chooses the addresses of the messages sent for scripts.
	Send sieve.SendOptions
	// SpamTest tells spamtest and virustest (RFC 5235) where the
	// scanners' verdicts are.
	SpamTest *sieve.SpamTestConfig
	// MaxHeaderSize bounds the header the script sees, in bytes; the
	// rest of a longer header is taken as body. Default 256 KiB.
	MaxHeaderSize int
	// Logger receives script errors and the fate of sent messages. Nil
	// discards.
	Logger *slog.Logger
}

// Route implements StoreDelivery.Route: it runs the account's active
// script for the recipients that resolved to it and returns where the
// message goes. A refusal is an *Error "550 5.7.1" with the script's
// reason.
func (s *SieveRoute) Route(ctx context.Context, m *Message, account string,
	rcpts []*Recipient) ([]mailstore.Recipient, error) {
	log := s.logger().With("msg", m.ID, "account", account)
	sc, name, err := s.Scripts.Active(ctx, account)
	if err != nil {
		log.Error("sieve script not loaded, keeping message", "err", err)
		return s.keep(ctx, m, account, nil), nil
	}
	if sc == nil {
		return s.keep(ctx, m, account, nil), nil
	}
	log = log.With("script", name)
	msg, err := sieve.NewStreamMessage(m.Reader, m.Size(), s.MaxHeaderSize)
	if err != nil {
		log.Error("sieve message not read, keeping message", "err", err)
		return s.keep(ctx, m, account, nil), nil
	}
	env := s.env(m, account, rcpts)
	res, err := sc.Run(ctx, msg, env)
	if err != nil {
		// RFC 5228 section 2.10.6: a run-time error keeps the message.
		log.Warn("sieve script failed, keeping message", "err", err)
		return s.keep(ctx, m, account, nil), nil
	}
	for _, w := range res.Warnings {
		log.Debug("sieve run", "note", w)
	}
	r := &sieveRun{s: s, ctx: ctx, m: m, account: account, msg: msg, env: env,
		res: res, log: log}
	return r.carryOut()
}

// env builds the script's envelope and environment (RFC 5228 section
// 5.4, RFC 5183).
func (s *SieveRoute) env(m *Message, account string,
	rcpts []*Recipient) *sieve.Env {
	env := &sieve.Env{Now: m.Received, SpamTest: s.SpamTest,
		Mailboxes: &sieveMailboxes{store: s.Store, account: account},
		Scripts:   s.Scripts.AccountLoader(account)}
	env.Envelope.From = m.Envelope.ReversePath
	env.Envelope.Auth = m.Envelope.AuthSender
	if len(rcpts) > 0 {
		env.Envelope.To = rcpts[0].Address
		if typ, addr, ok := strings.Cut(rcpts[0].ORcpt, ";"); ok &&
			strings.EqualFold(typ, "rfc822") {
			env.Envelope.OrigTo = addr
		}
	}
	for _, r := range rcpts {
		env.UserAddresses = append(env.UserAddresses, r.Address)
	}
	if strings.Contains(account, "@") {
		env.UserAddresses = append(env.UserAddresses, account)
	}
	if s.Tracker != nil {
		env.Duplicates = s.Tracker.Duplicates(account)
	}
	items := map[string]string{"phase": "during"}
	if s.Hostname != "" {
		items["host"] = s.Hostname
	}
	if s.Domain != "" {
		items["domain"] = s.Domain
	}
	if sess := m.Session; sess != nil {
		if sess.Remote.IsValid() {
			items["remote-ip"] = sess.Remote.Addr().String()
		}
		if sess.ReverseName != "" {
			items["remote-host"] = sess.ReverseName
		}
	}
	env.Environment = items
	return env
}

// keep files the message in the inbox, or in the Junk mailbox when the
// envelope is quarantined, with the given keywords.
func (s *SieveRoute) keep(ctx context.Context, m *Message, account string,
	keywords []string) []mailstore.Recipient {
	r := mailstore.Recipient{Keywords: keywords}
	if m.Envelope.Quarantine {
		if junk, err := s.Store.MailboxByRole(ctx, account, mailstore.RoleJunk); err == nil {
			r.Mailbox = junk.ID
		}
	}
	return []mailstore.Recipient{r}
}

func (s *SieveRoute) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// sieveRun carries out the result of one script run.
type sieveRun struct {
	s       *SieveRoute
	ctx     context.Context
	m       *Message
	account string
	msg     *sieve.StreamMessage
	env     *sieve.Env
	res     *sieve.Result
	log     *slog.Logger
	dests   []mailstore.Recipient
	edited  []editedCopy
	keepIn  bool // the message must be kept after all
}

// carryOut maps the result's actions to destinations and sends what the
// script asked to send.
func (r *sieveRun) carryOut() ([]mailstore.Recipient, error) {
	refusal := r.refusal()
	if !r.send(refusal != nil) {
		r.keepIn = true
	}
	if refusal != nil {
		return nil, refusal
	}
	for i := range r.res.Actions {
		a := &r.res.Actions[i]
		switch a.Kind {
		case sieve.ActionKeep:
			r.file(r.s.keep(r.ctx, r.m, r.account, flagKeywords(a.Flags))[0],
				a.Header, a.Body)
		case sieve.ActionFileInto:
			r.file(r.fileinto(a), a.Header, a.Body)
		}
	}
	if r.res.ImplicitKeep || r.keepIn && len(r.dests)+len(r.edited) == 0 {
		var kws []string
		if r.res.HasKeepFlags {
			kws = flagKeywords(r.res.KeepFlags)
		}
		r.file(r.s.keep(r.ctx, r.m, r.account, kws)[0], r.res.Header, r.res.Body)
	}
	r.storeEdited()
	return r.dests, nil
}

// editedCopy is a destination that gets the message as editheader,
// replace or enclose changed it (RFC 5293, RFC 5703).
type editedCopy struct {
	dest mailstore.Recipient
	hdr  []sieve.HeaderField
	body []byte
}

// file adds a destination for the message as it was when the action was
// asked for: the original, or an edited copy when hdr or body is set.
func (r *sieveRun) file(d mailstore.Recipient, hdr []sieve.HeaderField, body []byte) {
	if hdr == nil && body == nil {
		r.add(d)
		return
	}
	r.edited = append(r.edited, editedCopy{dest: d, hdr: hdr, body: body})
}

// storeEdited stores the edited copies itself, since StoreDelivery stores
// the original only. A copy that cannot be stored falls back to the
// original message, so that nothing is lost.
func (r *sieveRun) storeEdited() {
	for _, e := range r.edited {
		hdr := e.hdr
		if hdr == nil {
			hdr = r.msg.Header()
		}
		var body io.Reader = bytes.NewReader(e.body)
		if e.body == nil {
			b, err := r.msg.Body()
			if err != nil {
				r.log.Warn("sieve edited copy not stored", "err", err)
				r.add(e.dest)
				continue
			}
			body = b
		}
		rp := "Return-Path: <" + r.m.Envelope.ReversePath + ">\r\n"
		msg := io.MultiReader(strings.NewReader(rp), sieve.MessageReader(hdr, body))
		d := e.dest
		d.Account = r.account
		out, err := r.s.Store.Deliver(r.ctx, msg, r.m.Received,
			[]mailstore.Recipient{d})
		if err == nil && out[0].Err != nil {
			err = out[0].Err
		}
		if err != nil {
			r.log.Warn("sieve edited copy not stored, filing the original", "err", err)
			r.add(e.dest)
		}
	}
}

// add appends a destination, merging keywords into one already there for
// the same mailbox so that the account gets one copy per mailbox.
func (r *sieveRun) add(d mailstore.Recipient) {
	for i := range r.dests {
		if r.dests[i].Mailbox == d.Mailbox {
			for _, k := range d.Keywords {
				if !containsFold(r.dests[i].Keywords, k) {
					r.dests[i].Keywords = append(r.dests[i].Keywords, k)
				}
			}
			return
		}
	}
	r.dests = append(r.dests, d)
}

// flagKeywords turns IMAP flags (RFC 5232) into mailstore keywords: the
// system flags become "$seen", "$flagged", "$answered", "$draft" and
// "$deleted", others stay keywords; invalid flags are dropped (RFC 5232
// section 3). A nil list gives no keywords.
func flagKeywords(flags []string) []string {
	var out []string
	for _, f := range flags {
		if k, err := mailstore.NormalizeKeyword(f); err == nil && !containsFold(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// fileinto resolves a fileinto action's mailbox: :mailboxid (RFC 9042),
// then :specialuse (RFC 8579), then the name, created with :create (RFC
// 5490 section 3.2). A mailbox that cannot be found or made keeps the
// message instead, as RFC 5228 section 4.1 asks.
func (r *sieveRun) fileinto(a *sieve.Action) mailstore.Recipient {
	kws := flagKeywords(a.Flags)
	ctx, st, acct := r.ctx, r.s.Store, r.account
	if a.MailboxID != "" {
		if mb, err := st.Mailbox(ctx, acct, mailstore.MailboxID(a.MailboxID)); err == nil {
			return mailstore.Recipient{Mailbox: mb.ID, Keywords: kws}
		}
	}
	mb, err := r.mailbox(a.Mailbox, a.SpecialUse, a.Create)
	if err != nil {
		r.log.Info("sieve fileinto mailbox unusable, keeping message",
			"mailbox", a.Mailbox, "err", err)
		return r.s.keep(ctx, r.m, acct, kws)[0]
	}
	return mailstore.Recipient{Mailbox: mb.ID, Keywords: kws}
}

// mailbox finds a mailbox by special use (RFC 8579), then by name, and
// creates it, with the special use as role, when create is set (RFC
// 5490 section 3.2).
func (r *sieveRun) mailbox(name, use string, create bool) (mailstore.Mailbox, error) {
	ctx, st, acct := r.ctx, r.s.Store, r.account
	role := specialUseRole(use)
	if role != "" {
		if mb, err := st.MailboxByRole(ctx, acct, role); err == nil {
			return mb, nil
		}
	}
	mb, err := st.MailboxByName(ctx, acct, name)
	if err != nil && errors.Is(err, mailstore.ErrNotFound) && create {
		mb, err = st.CreateMailbox(ctx, acct, name, role)
		if err != nil && role != "" {
			mb, err = st.CreateMailbox(ctx, acct, name, "")
		}
	}
	return mb, err
}

// specialUseRole maps an RFC 6154 / RFC 8457 special-use attribute to a
// mailstore role; "" when it has none.
func specialUseRole(use string) string {
	switch strings.ToLower(use) {
	case `\drafts`:
		return mailstore.RoleDrafts
	case `\sent`:
		return mailstore.RoleSent
	case `\junk`:
		return mailstore.RoleJunk
	case `\trash`:
		return mailstore.RoleTrash
	case `\archive`:
		return mailstore.RoleArchive
	case `\all`:
		return "all"
	case `\flagged`:
		return "flagged"
	case `\important`:
		return "important"
	}
	return ""
}

// refusal returns the reply that refuses the message for the account
// when the script rejects it and the refusal still reaches the sender
// (RFC 5429 section 2.1): always in LMTP, which answers per recipient,
// and in SMTP when every recipient of the transaction is this account's.
// Otherwise a reject notice is sent instead (see send) and nil returned.
func (r *sieveRun) refusal() *Error {
	a := r.rejection()
	if a == nil || !r.refusable() {
		return nil
	}
	return Reject(550, EnhancedCode{5, 7, 1}, replyText(a.Reason))
}

func (r *sieveRun) rejection() *sieve.Action {
	for i := range r.res.Actions {
		if k := r.res.Actions[i].Kind; k == sieve.ActionReject || k == sieve.ActionEReject {
			return &r.res.Actions[i]
		}
	}
	return nil
}

func (r *sieveRun) refusable() bool {
	if r.m.Session != nil && r.m.Session.Mode == ModeLMTP {
		return true
	}
	for _, rc := range r.m.Envelope.Recipients {
		if !rc.Local || len(rc.External) > 0 || len(rc.Accounts) != 1 ||
			rc.Accounts[0] != r.account {
			return false
		}
	}
	return true
}

// replyText makes a reject reason fit one SMTP reply line: printable
// ASCII, at most 400 characters.
func replyText(reason string) string {
	var b strings.Builder
	for _, word := range strings.Fields(reason) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		for _, c := range word {
			if c < 0x20 || c > 0x7e {
				c = '?'
			}
			b.WriteRune(c)
		}
		if b.Len() >= 400 {
			return b.String()[:400]
		}
	}
	if b.Len() == 0 {
		return "Message rejected by the recipient's filter"
	}
	return b.String()
}

// send hands the result's outgoing messages to Outgoing. It reports false
// when a redirect that replaced delivery could not be handed over, so
// that the message is kept rather than lost. refused leaves the reject
// notice out: the SMTP reply carries the refusal.
func (r *sieveRun) send(refused bool) bool {
	hdr := r.res.Header
	if hdr == nil {
		hdr = r.msg.Header()
	}
	env := r.env.Envelope
	opts := r.s.Send
	if opts.UserEmail == "" && strings.Contains(r.account, "@") {
		opts.UserEmail = r.account
	}
	out := r.res.Outgoing(hdr, env, opts)
	if a := r.rejection(); a != nil && a.Kind == sieve.ActionEReject && !refused {
		// ereject that cannot refuse falls back to a notice, as reject.
		rej := *a
		rej.Kind = sieve.ActionReject
		extra := &sieve.Result{Actions: []sieve.Action{rej}}
		out = append(out, extra.Outgoing(hdr, env, opts)...)
	}
	ok := true
	for i := range out {
		o := &out[i]
		kind := o.Action.Kind
		if refused && (kind == sieve.ActionReject || kind == sieve.ActionEReject) {
			continue
		}
		if kind == sieve.ActionVacation && !r.vacationDue(o.Action.Vacation) {
			continue
		}
		err := r.enqueue(o)
		if err == nil {
			r.log.Info("sieve message sent", "action", kind, "to", o.Recipients)
			r.fcc(o)
			continue
		}
		r.log.Warn("sieve message not sent", "action", kind, "to", o.Recipients, "err", err)
		if kind == sieve.ActionRedirect && !o.Action.Copy {
			ok = false
		}
		if kind == sieve.ActionVacation && r.s.Tracker != nil {
			v := o.Action.Vacation
			if err := r.s.Tracker.ForgetReply(r.ctx, r.account, v.To, v.Handle); err != nil {
				r.log.Warn("sieve vacation record kept", "err", err)
			}
		}
	}
	return ok
}

// fcc stores a copy of a sent reply or notification, RFC 8580.
func (r *sieveRun) fcc(o *sieve.Outgoing) {
	var f *sieve.Fcc
	if v := o.Action.Vacation; v != nil {
		f = v.Fcc
	} else if n := o.Action.Notify; n != nil {
		f = n.Fcc
	}
	if f == nil || o.Header == nil {
		return
	}
	mb, err := r.mailbox(f.Mailbox, f.SpecialUse, f.Create)
	if err == nil {
		_, _, err = r.s.Store.Append(r.ctx, r.account, mb.ID,
			sieve.MessageReader(o.Header, bytes.NewReader(o.Body)), flagKeywords(f.Flags),
			time.Time{})
	}
	if err != nil {
		r.log.Warn("sieve fcc copy not stored", "mailbox", f.Mailbox, "err", err)
	}
}

// vacationDue checks the response tracker, RFC 5230 section 4.2: one
// reply per sender and handle within the period. Without a tracker no
// reply is sent, and none ever goes to the null sender (RFC 3834).
func (r *sieveRun) vacationDue(v *sieve.Vacation) bool {
	if v.To == "" || r.env.Envelope.From == "" {
		return false
	}
	if r.s.Tracker == nil {
		r.log.Info("sieve vacation not sent: no response tracker")
		return false
	}
	due, err := r.s.Tracker.ShouldReply(r.ctx, r.account, v.To, v.Handle, v.Period)
	if err != nil {
		r.log.Warn("sieve vacation tracker failed", "err", err)
		return false
	}
	if !due {
		r.log.Debug("sieve vacation already sent", "to", v.To)
	}
	return due
}

// errNoOutgoing is returned for messages to send when there is nowhere
// to send them.
var errNoOutgoing = errors.New("smtp: no outgoing sender for sieve messages")

// enqueue streams one outgoing message to Outgoing: its header, then its
// body or, for a redirect, the original body.
func (r *sieveRun) enqueue(o *sieve.Outgoing) error {
	if r.s.Outgoing == nil {
		return errNoOutgoing
	}
	var msg io.Reader
	switch {
	case o.Body != nil:
		msg = sieve.MessageReader(o.Header, bytes.NewReader(o.Body))
	default:
		b, err := r.msg.Body()
		if err != nil {
			return fmt.Errorf("open body: %w", err)
		}
		msg = sieve.MessageReader(o.Header, b)
	}
	err := r.s.Outgoing.Enqueue(r.ctx, o.ReversePath, o.Recipients, msg)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", o.Action.Kind, err)
	}
	return nil
}

// sieveMailboxes answers the mailbox tests of a run (RFC 5490, RFC 8579,
// RFC 9042) from the account's mailboxes, listed once.
type sieveMailboxes struct {
	store   *mailstore.Store
	account string
	list    []mailstore.Mailbox
	loaded  bool
}

var (
	_ sieve.Mailboxes  = (*sieveMailboxes)(nil)
	_ sieve.MailboxIDs = (*sieveMailboxes)(nil)
)

func (b *sieveMailboxes) mailboxes(ctx context.Context) []mailstore.Mailbox {
	if !b.loaded {
		b.list, _ = b.store.Mailboxes(ctx, b.account)
		b.loaded = true
	}
	return b.list
}

// MailboxExists implements sieve.Mailboxes.
func (b *sieveMailboxes) MailboxExists(ctx context.Context, name string) bool {
	_, err := b.store.MailboxByName(ctx, b.account, name)
	return err == nil
}

// SpecialUseExists implements sieve.Mailboxes.
func (b *sieveMailboxes) SpecialUseExists(ctx context.Context, mailbox, use string) bool {
	role := specialUseRole(use)
	if role == "" {
		return false
	}
	for _, mb := range b.mailboxes(ctx) {
		if mb.Role == role && (mailbox == "" || mb.Name == mailbox) {
			return true
		}
	}
	return false
}

// Metadata implements sieve.Mailboxes; the store keeps no annotations.
func (b *sieveMailboxes) Metadata(context.Context, string, string) (string, bool) {
	return "", false
}

// MailboxIDExists implements sieve.MailboxIDs.
func (b *sieveMailboxes) MailboxIDExists(ctx context.Context, id string) bool {
	for _, mb := range b.mailboxes(ctx) {
		if string(mb.ID) == id {
			return true
		}
	}
	return false
}
