package imap

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

func dialClient(t *testing.T, env *testEnv, user string, h *imapclient.UnilateralDataHandler) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(env.addr, &imapclient.Options{UnilateralDataHandler: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(user, testPass).Wait(); err != nil {
		t.Fatalf("Login: %v", err)
	}
	return c
}

func appendClient(t *testing.T, c *imapclient.Client, mbox, msg string, flags []imap.Flag) *imap.AppendData {
	t.Helper()
	cmd := c.Append(mbox, int64(len(msg)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write([]byte(msg)); err != nil {
		t.Fatalf("append write: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append close: %v", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return data
}

func TestGoIMAPClient(t *testing.T) {
	env := newEnv(t, []string{"gina@example.test"}, nil)
	c := dialClient(t, env, "gina@example.test", nil)

	if err := c.Create("Projects/2026", nil).Wait(); err != nil {
		t.Fatalf("Create: %v", err)
	}
	boxes, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil || len(boxes) < 7 {
		t.Fatalf("List = %v, %v", boxes, err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait()
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	ad := appendClient(t, c, "INBOX", crlf(case003), []imap.Flag{imap.FlagFlagged})
	if ad.UIDValidity != st.UIDValidity || ad.UID != st.UIDNext {
		t.Errorf("APPENDUID = %d %d, want %d %d", ad.UIDValidity, ad.UID, st.UIDValidity, st.UIDNext)
	}
	for i := 0; i < 3; i++ {
		appendClient(t, c, "INBOX", simpleMsg(fmt.Sprintf("note %d", i), "lorem ipsum"), nil)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 4 {
		t.Fatalf("Select = %+v, %v", sel, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{
		Envelope: true, Flags: true, UID: true, RFC822Size: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}},
	}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Fetch: %v %v", msgs, err)
	}
	m := msgs[0]
	if m.Envelope == nil || m.Envelope.Subject != "Fwd: quarterly numbers" {
		t.Errorf("Envelope = %+v", m.Envelope)
	}
	mp, ok := m.BodyStructure.(*imap.BodyStructureMultiPart)
	if !ok || len(mp.Children) != 2 || mp.Extended == nil || mp.Extended.Params["boundary"] != "outer-42" {
		t.Errorf("BodyStructure = %#v", m.BodyStructure)
	}
	res, err := c.UIDSearch(&imap.SearchCriteria{Body: []string{"ipsum"}}, nil).Wait()
	if err != nil || len(res.AllUIDs()) != 3 {
		t.Errorf("UIDSearch = %v, %v", res, err)
	}
	if err := c.Store(imap.SeqSetNum(2, 3), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("Store: %v", err)
	}
	if _, err := c.Copy(imap.SeqSetNum(1), "Projects/2026").Wait(); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if _, err := c.Move(imap.SeqSetNum(4), "Archive").Wait(); err != nil {
		t.Fatalf("Move: %v", err)
	}
	if _, err := c.Expunge().Collect(); err != nil {
		t.Fatalf("Expunge: %v", err)
	}
	if n := c.Mailbox().NumMessages; n != 1 {
		t.Errorf("messages after expunge = %d, want 1", n)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("Logout: %v", err)
	}
}

// TestTwoSessionsIdle checks that a session in IDLE hears of new mail,
// flag changes and expunges made by another session at once.
func TestTwoSessionsIdle(t *testing.T) {
	env := newEnv(t, []string{"hal@example.test"}, nil)
	var mu sync.Mutex
	var exists []uint32
	var expunged []uint32
	var fetched []uint32
	events := make(chan string, 32)
	h := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				mu.Lock()
				exists = append(exists, *d.NumMessages)
				mu.Unlock()
				events <- "exists"
			}
		},
		Expunge: func(n uint32) {
			mu.Lock()
			expunged = append(expunged, n)
			mu.Unlock()
			events <- "expunge"
		},
		Fetch: func(m *imapclient.FetchMessageData) {
			mu.Lock()
			fetched = append(fetched, m.SeqNum)
			mu.Unlock()
			events <- "fetch"
		},
	}
	a := dialClient(t, env, "hal@example.test", h)
	b := dialClient(t, env, "hal@example.test", nil)
	for i := 0; i < 3; i++ {
		appendClient(t, b, "INBOX", simpleMsg(fmt.Sprintf("m%d", i), "x"), nil)
	}
	if _, err := a.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := a.Idle()
	if err != nil {
		t.Fatalf("Idle: %v", err)
	}
	wait := func(kind string) {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case e := <-events:
				if e == kind {
					return
				}
			case <-timeout:
				t.Fatalf("no %s during IDLE", kind)
			}
		}
	}
	appendClient(t, b, "INBOX", simpleMsg("new", "y"), nil)
	wait("exists")
	if err := b.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	wait("fetch")
	if err := b.Store(imap.SeqSetNum(2, 3), &imap.StoreFlags{Op: imap.StoreFlagsAdd,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Expunge().Collect(); err != nil {
		t.Fatal(err)
	}
	wait("expunge")
	wait("expunge")
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("IDLE end: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Expunging sequence numbers 2 and 3 is reported highest first (3, 2)
	// or lowest first twice (2, 2); either leaves two messages.
	if len(expunged) != 2 || !(expunged[0] == 3 && expunged[1] == 2 || expunged[0] == 2 && expunged[1] == 2) {
		t.Errorf("EXPUNGE order = %v", expunged)
	}
	if a.Mailbox().NumMessages != 2 {
		t.Errorf("A sees %d messages, want 2", a.Mailbox().NumMessages)
	}
	if len(exists) == 0 || exists[len(exists)-1] != 4 || len(fetched) == 0 || fetched[0] != 1 {
		t.Errorf("exists %v fetched %v", exists, fetched)
	}
}

// TestNoExpungeDuringFetch checks RFC 9051 section 7.5.1: FETCH, STORE
// and SEARCH do not report expunges; NOOP does, and UID FETCH may.
func TestNoExpungeDuringFetch(t *testing.T) {
	env := newEnv(t, []string{"ida@example.test"}, nil)
	a, b := env.login("ida@example.test"), env.login("ida@example.test")
	for i := 0; i < 3; i++ {
		a.appendMsg("INBOX", "", simpleMsg(fmt.Sprintf("m%d", i), "x"))
	}
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Deleted)`)
	b.ok("EXPUNGE")
	for _, cmd := range []string{"FETCH 1:* FLAGS", `STORE 3 +FLAGS (\Seen)`, "SEARCH ALL"} {
		if lines := a.ok(cmd); hasLine(lines, "EXPUNGE") {
			t.Errorf("%s sent EXPUNGE: %q", cmd, lines)
		}
	}
	if lines := a.ok("NOOP"); !hasLine(lines, "* 1 EXPUNGE") {
		t.Errorf("NOOP = %q, want * 1 EXPUNGE", lines)
	}
	if lines := a.ok("FETCH 1:* UID"); len(lines) != 2 || !strings.HasPrefix(lines[0], "* 1 FETCH") {
		t.Errorf("FETCH after expunge = %q", lines)
	}
}

// TestAuthenticatePlain logs in with AUTHENTICATE PLAIN and an initial
// response (RFC 4959), then with a bad password.
func TestAuthenticatePlain(t *testing.T) {
	env := newEnv(t, []string{"sasl@example.test"}, nil)
	c, err := imapclient.DialInsecure(env.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Authenticate(sasl.NewPlainClient("", "sasl@example.test", testPass)); err != nil {
		t.Fatalf("AUTHENTICATE PLAIN: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT after AUTHENTICATE: %v", err)
	}
	raw := env.dial()
	if _, st := raw.do("AUTHENTICATE PLAIN AHNhc2xAZXhhbXBsZS50ZXN0AHdyb25n"); !strings.HasPrefix(st, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("bad password = %q", st)
	}
	raw.ok("NOOP")
}

// TestACLOwnerRights checks RFC 4314 answers on an unshared account.
func TestACLOwnerRights(t *testing.T) {
	env := newEnv(t, []string{"acl@example.test"}, nil)
	c := dialClient(t, env, "acl@example.test", nil)
	my, err := c.MyRights("INBOX").Wait()
	if err != nil || !strings.Contains(string(my.Rights), "l") || !strings.Contains(string(my.Rights), "a") {
		t.Fatalf("MYRIGHTS = %+v, %v", my, err)
	}
	acl, err := c.GetACL("INBOX").Wait()
	if err != nil || len(acl.Rights) != 1 {
		t.Fatalf("GETACL = %+v, %v", acl, err)
	}
	raw := env.login("acl@example.test")
	if _, st := raw.do("SETACL INBOX bob@example.test lr"); !strings.HasPrefix(st, "NO [CANNOT]") {
		t.Errorf("SETACL = %q", st)
	}
	if _, st := raw.do("MYRIGHTS nosuch"); !strings.HasPrefix(st, "NO [NONEXISTENT]") {
		t.Errorf("MYRIGHTS nosuch = %q", st)
	}
}
