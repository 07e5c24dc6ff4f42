package imap

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	shareOwner = "olga@example.test"
	shareUser  = "pete@example.test"
	sharedBox  = "Other Users/" + shareOwner + "/INBOX"
)

// wantCode fails unless err is a NO with the response code.
func wantCode(t *testing.T, what string, err error, code imap.ResponseCode) {
	t.Helper()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != code {
		t.Fatalf("%s: err = %v, want NO [%s]", what, err, code)
	}
}

func setACL(t *testing.T, c *imapclient.Client, mbox, who string, mod imap.RightModification,
	rights string) {
	t.Helper()
	err := c.SetACL(mbox, imap.RightsIdentifier(who), mod, imap.RightSet(rights)).Wait()
	if err != nil {
		t.Fatalf("SETACL %s %s %c%s: %v", mbox, who, mod, rights, err)
	}
}

func listNames(t *testing.T, c *imapclient.Client, pattern string) map[string][]imap.MailboxAttr {
	t.Helper()
	boxes, err := c.List("", pattern, nil).Collect()
	if err != nil {
		t.Fatalf("LIST %q: %v", pattern, err)
	}
	out := map[string][]imap.MailboxAttr{}
	for _, b := range boxes {
		out[b.Mailbox] = b.Attrs
	}
	return out
}

// TestSharedMailboxGoClient runs the life of a shared mailbox with two
// go-imap clients: the owner grants, the other user lists, reads, is
// refused what the rights do not allow, then loses the mailbox.
func TestSharedMailboxGoClient(t *testing.T) {
	env := newEnv(t, []string{shareOwner, shareUser}, nil)
	owner := dialClient(t, env, shareOwner, nil)
	for _, s := range []string{"first", "second"} {
		appendClient(t, owner, "INBOX", simpleMsg(s, "shared text "+s), nil)
	}
	user := dialClient(t, env, shareUser, nil)

	if _, ok := listNames(t, user, "*")[sharedBox]; ok {
		t.Fatal("shared mailbox listed before any grant")
	}
	_, err := user.Select(sharedBox, nil).Wait()
	wantCode(t, "SELECT before grant", err, imap.ResponseCodeNonExistent)

	setACL(t, owner, "INBOX", shareUser, imap.RightModificationReplace, "lr")

	ns, err := user.Namespace().Wait()
	if err != nil || len(ns.Other) != 1 || ns.Other[0].Prefix != "Other Users/" ||
		ns.Other[0].Delim != '/' {
		t.Fatalf("NAMESPACE = %+v, %v", ns, err)
	}
	names := listNames(t, user, "*")
	if attrs, ok := names[sharedBox]; !ok || slices.Contains(attrs, imap.MailboxAttrNoSelect) {
		t.Fatalf("LIST * = %v", names)
	}
	attrs := names["Other Users/"+shareOwner]
	if !slices.Contains(attrs, imap.MailboxAttrNoSelect) {
		t.Fatalf("owner level of the namespace = %v", attrs)
	}
	attrs = listNames(t, user, "%")["Other Users"]
	if !slices.Contains(attrs, imap.MailboxAttrHasChildren) {
		t.Fatalf(`LIST "%%": Other Users = %v`, attrs)
	}
	my, err := user.MyRights(sharedBox).Wait()
	if err != nil || string(my.Rights) != "lr" {
		t.Fatalf("MYRIGHTS = %+v, %v", my, err)
	}
	_, err = user.GetACL(sharedBox).Wait()
	wantCode(t, "GETACL without a", err, imap.ResponseCodeNoPerm)

	st, err := user.Status(sharedBox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 2 {
		t.Fatalf("STATUS = %+v, %v", st, err)
	}
	sel, err := user.Select(sharedBox, nil).Wait()
	if err != nil || sel.NumMessages != 2 {
		t.Fatalf("SELECT with lr = %+v, %v", sel, err)
	}
	body := fetchText(t, user, 1)
	if !strings.Contains(body, "shared text first") {
		t.Fatalf("BODY[] = %q", body)
	}
	criteria := &imap.SearchCriteria{Body: []string{"shared text second"}}
	found, err := user.UIDSearch(criteria, nil).Wait()
	if err != nil || !slices.Equal(found.AllUIDs(), []imap.UID{2}) {
		t.Fatalf("UID SEARCH BODY = %+v, %v", found, err)
	}
	// Without "s" the read leaves \Seen alone, for everybody.
	if flags := ownerFlags(t, env, 1); slices.Contains(flags, "$seen") {
		t.Fatalf("\\Seen set without the s right: %v", flags)
	}
	err = user.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close()
	wantCode(t, "STORE on a read-only selection", err, imap.ResponseCode("READ-ONLY"))
	err = appendErr(user, sharedBox, simpleMsg("intruder", "x"))
	wantCode(t, "APPEND without i", err, imap.ResponseCodeNoPerm)

	// "s" makes the selection read-write, for \Seen only.
	setACL(t, owner, "INBOX", shareUser, imap.RightModificationAdd, "s")
	if _, err = user.Select(sharedBox, nil).Wait(); err != nil {
		t.Fatalf("SELECT with lrs = %+v, %v", sel, err)
	}
	err = user.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close()
	wantCode(t, "STORE \\Flagged without w", err, imap.ResponseCodeNoPerm)
	err = user.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	wantCode(t, "STORE \\Deleted without t", err, imap.ResponseCodeNoPerm)
	if err := user.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatalf("STORE \\Seen with s: %v", err)
	}
	if flags := ownerFlags(t, env, 1); !slices.Contains(flags, "$seen") {
		t.Fatalf("owner's flags after the other's STORE = %v", flags)
	}
	err = user.Expunge().Close()
	wantCode(t, "EXPUNGE without e", err, imap.ResponseCodeNoPerm)
	_, err = user.Move(imap.SeqSetNum(1), "INBOX").Wait()
	wantCode(t, "MOVE without t and e", err, imap.ResponseCodeNoPerm)

	// COPY out of the shared mailbox into the user's own.
	cp, err := user.Copy(imap.SeqSetNum(1, 2), "INBOX").Wait()
	if err != nil || len(cp.DestUIDs) != 1 || cp.DestUIDs[0].Start == 0 {
		t.Fatalf("COPY to own INBOX = %+v, %v", cp, err)
	}
	own, err := user.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *own.NumMessages != 2 {
		t.Fatalf("own INBOX after COPY = %+v, %v", own, err)
	}

	// "i" allows APPEND, and the owner sees the message.
	setACL(t, owner, "INBOX", shareUser, imap.RightModificationAdd, "i")
	ad := appendClient(t, user, sharedBox, simpleMsg("from pete", "hello olga"),
		[]imap.Flag{imap.FlagFlagged})
	if ad.UID != 3 {
		t.Fatalf("APPENDUID = %+v", ad)
	}
	// \Flagged needs "w": dropped on APPEND.
	if flags := ownerFlags(t, env, 3); len(flags) != 0 {
		t.Fatalf("flags of the appended message = %v", flags)
	}

	// "t" and "e" allow deleting and expunging; the SETACL reached the
	// selected session, which needs no new SELECT.
	setACL(t, owner, "INBOX", shareUser, imap.RightModificationAdd, "te")
	if err := user.Noop().Wait(); err != nil {
		t.Fatalf("NOOP: %v", err)
	}
	if err := user.Store(imap.SeqSetNum(3), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("STORE \\Deleted with t: %v", err)
	}
	gone, err := user.Expunge().Collect()
	if err != nil || !slices.Equal(gone, []uint32{3}) {
		t.Fatalf("EXPUNGE with e = %v, %v", gone, err)
	}
	if mb, _ := env.store.MailboxByName(t.Context(), shareOwner, "INBOX"); mb.Total != 2 {
		t.Fatalf("owner's INBOX holds %d after the other's EXPUNGE", mb.Total)
	}

	// Revoking hides the mailbox again.
	if err := user.Unselect().Wait(); err != nil {
		t.Fatalf("UNSELECT: %v", err)
	}
	err = owner.SetACL("INBOX", shareUser, imap.RightModificationReplace, nil).Wait()
	if err != nil {
		t.Fatalf("SETACL with no rights: %v", err)
	}
	if _, ok := listNames(t, user, "*")[sharedBox]; ok {
		t.Fatal("shared mailbox still listed after revoking")
	}
	_, err = user.Select(sharedBox, nil).Wait()
	wantCode(t, "SELECT after revoking", err, imap.ResponseCodeNonExistent)
}

// TestSharedMailboxIdle checks that the owner's changes reach a session
// idling on the shared mailbox.
func TestSharedMailboxIdle(t *testing.T) {
	env := newEnv(t, []string{shareOwner, shareUser}, nil)
	owner := dialClient(t, env, shareOwner, nil)
	appendClient(t, owner, "INBOX", simpleMsg("one", "x"), nil)
	setACL(t, owner, "INBOX", shareUser, imap.RightModificationReplace, "lrs")

	exists := make(chan uint32, 8)
	user := dialClient(t, env, shareUser, &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	})
	if _, err := user.Select(sharedBox, nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	idle, err := user.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	appendClient(t, owner, "INBOX", simpleMsg("two", "y"), nil)
	select {
	case n := <-exists:
		if n != 2 {
			t.Fatalf("EXISTS %d, want 2", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE after the owner's APPEND")
	}
	if err := idle.Close(); err != nil {
		t.Fatalf("DONE: %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE: %v", err)
	}
}

func fetchText(t *testing.T, c *imapclient.Client, seq uint32) string {
	t.Helper()
	msgs, err := c.Fetch(imap.SeqSetNum(seq), &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{{}},
	}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH BODY[]: %v, %v", msgs, err)
	}
	for _, b := range msgs[0].BodySection {
		return string(b.Bytes)
	}
	return ""
}

func appendErr(c *imapclient.Client, mbox, msg string) error {
	cmd := c.Append(mbox, int64(len(msg)), nil)
	if _, err := io.WriteString(cmd, msg); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// ownerFlags returns the keywords the store holds for a UID of the
// owner's INBOX.
func ownerFlags(t *testing.T, env *testEnv, uid uint32) []string {
	t.Helper()
	ctx := t.Context()
	mb, err := env.store.MailboxByName(ctx, shareOwner, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	ents, _, err := env.store.List(ctx, shareOwner, mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.UID == uid {
			return e.Keywords
		}
	}
	t.Fatalf("UID %d not in the owner's INBOX", uid)
	return nil
}
