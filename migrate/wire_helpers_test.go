package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/bulwarkmail/bulwark/imap"
	"github.com/bulwarkmail/bulwark/jmap"
)

// serveIMAP starts an IMAP server over s on a loopback port and returns
// its address; it stops at cleanup.
func serveIMAP(t *testing.T, s *server) string {
	t.Helper()
	srv, err := imap.New(imap.Options{Store: s.mail, Directory: s.dir, AllowInsecureAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return l.Addr().String()
}

// imapMailbox is a mailbox as an IMAP client caches it.
type imapMailbox struct {
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Messages      []imapMessage
}

// imapMessage is one message as UID FETCH returns it.
type imapMessage struct {
	UID      uint32
	Flags    string
	ModSeq   uint64
	Internal time.Time
	Body     []byte
}

// dialIMAP logs in to an IMAP server as user.
func dialIMAP(t *testing.T, addr, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(user, "secret"+user).Wait(); err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

// readIMAP reads every mailbox of an account over IMAP with CONDSTORE:
// UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and each message's UID, flags,
// MODSEQ, internal date and bytes.
func readIMAP(t *testing.T, addr, user string) map[string]imapMailbox {
	t.Helper()
	c := dialIMAP(t, addr, user)
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]imapMailbox{}
	for _, l := range list {
		if slices.Contains(l.Attrs, imapv2.MailboxAttrNoSelect) {
			continue
		}
		sel, err := c.Select(l.Mailbox, &imapv2.SelectOptions{CondStore: true}).Wait()
		if err != nil {
			t.Fatalf("select %s: %v", l.Mailbox, err)
		}
		mb := imapMailbox{UIDValidity: sel.UIDValidity, UIDNext: uint32(sel.UIDNext),
			HighestModSeq: sel.HighestModSeq}
		if sel.NumMessages > 0 {
			mb.Messages = fetchAll(t, c, 0)
		}
		out[l.Mailbox] = mb
	}
	return out
}

var wholeBody = &imapv2.FetchItemBodySection{Peek: true}

// fetchAll fetches every message of the selected mailbox changed since
// a MODSEQ (0: all), in UID order.
func fetchAll(t *testing.T, c *imapclient.Client, changedSince uint64) []imapMessage {
	t.Helper()
	msgs, err := c.Fetch(imapv2.UIDSet{{Start: 1, Stop: 0}}, &imapv2.FetchOptions{UID: true,
		Flags: true, ModSeq: true, InternalDate: true, ChangedSince: changedSince,
		BodySection: []*imapv2.FetchItemBodySection{wholeBody}}).Collect()
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	out := make([]imapMessage, 0, len(msgs))
	for _, m := range msgs {
		var flags []string
		for _, f := range m.Flags {
			// \Recent belongs to the session that saw the message first
			// (RFC 3501 section 2.3.2), not to the stored state.
			if f != imapv2.Flag(`\Recent`) {
				flags = append(flags, strings.ToLower(string(f)))
			}
		}
		slices.Sort(flags)
		out = append(out, imapMessage{UID: uint32(m.UID), Flags: strings.Join(flags, " "),
			ModSeq: m.ModSeq, Internal: m.InternalDate.UTC(), Body: m.FindBodySection(wholeBody)})
	}
	slices.SortFunc(out, func(a, b imapMessage) int { return int(a.UID) - int(b.UID) })
	return out
}

// compareIMAP checks that an account reads the same over IMAP on both
// servers: UIDVALIDITY, UIDNEXT, UIDs, flags, internal dates and bytes
// equal, MODSEQs in the same order, and HIGHESTMODSEQ never lower; then
// that a client that cached the source mailbox finds nothing changed
// since its HIGHESTMODSEQ (RFC 7162 section 3.1.4.1).
func compareIMAP(t *testing.T, srcAddr, dstAddr, user string) int {
	t.Helper()
	want, got := readIMAP(t, srcAddr, user), readIMAP(t, dstAddr, user)
	if len(got) != len(want) {
		t.Errorf("%s: %d mailboxes over IMAP, want %d", user, len(got), len(want))
	}
	n := 0
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: mailbox %q missing over IMAP", user, name)
			continue
		}
		n += len(w.Messages)
		where := user + "/" + name
		if g.UIDValidity != w.UIDValidity || g.UIDNext != w.UIDNext ||
			g.HighestModSeq < w.HighestModSeq {
			t.Errorf("%s: UIDVALIDITY %d UIDNEXT %d HIGHESTMODSEQ %d, want %d %d >= %d", where,
				g.UIDValidity, g.UIDNext, g.HighestModSeq, w.UIDValidity, w.UIDNext,
				w.HighestModSeq)
		}
		if len(g.Messages) != len(w.Messages) {
			t.Errorf("%s: %d messages, want %d", where, len(g.Messages), len(w.Messages))
			continue
		}
		for i := range w.Messages {
			a, b := w.Messages[i], g.Messages[i]
			if a.UID != b.UID || a.Flags != b.Flags || !a.Internal.Equal(b.Internal) ||
				!bytes.Equal(a.Body, b.Body) {
				t.Errorf("%s: message %d is UID %d %q %v (%d octets), want UID %d %q %v (%d)",
					where, i, b.UID, b.Flags, b.Internal, len(b.Body), a.UID, a.Flags,
					a.Internal, len(a.Body))
				break
			}
		}
		if !sameOrder(w.Messages, g.Messages) {
			t.Errorf("%s: MODSEQs in another order", where)
		}
	}
	c := dialIMAP(t, dstAddr, user)
	for name, w := range want {
		if _, err := c.Select(name, &imapv2.SelectOptions{CondStore: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		if ch := fetchAll(t, c, w.HighestModSeq); len(ch) != 0 {
			t.Errorf("%s/%s: %d messages changed since the exported HIGHESTMODSEQ %d", user,
				name, len(ch), w.HighestModSeq)
		}
	}
	return n
}

// sameOrder reports whether two lists of the same UIDs order their
// MODSEQs alike.
func sameOrder(a, b []imapMessage) bool {
	for i := range a {
		for j := i + 1; j < len(a); j++ {
			if cmpU(a[i].ModSeq, a[j].ModSeq) != cmpU(b[i].ModSeq, b[j].ModSeq) {
				return false
			}
		}
	}
	return true
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// jmapClient calls a JMAP handler over HTTP as one user.
type jmapClient struct {
	t    *testing.T
	url  string
	user string
	acct string
}

// serveJMAP starts a JMAP handler over s on an httptest server.
func serveJMAP(t *testing.T, s *server) string {
	t.Helper()
	h, err := jmap.New(jmap.Options{Store: s.mail, KV: s.kv, Blobs: s.blobs,
		Directory: s.dir, AllowPlainAuth: true, Submitter: refuseSubmit{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		srv.Close()
	})
	return srv.URL
}

// refuseSubmit is the Submitter of handlers whose tests send nothing;
// it turns on the Submission capability, which Identity belongs to (RFC
// 8621 section 1.3.4).
type refuseSubmit struct{}

func (refuseSubmit) Submit(context.Context, string, []string, io.Reader) error {
	return errors.New("no submission in this test")
}

func newJMAPClient(t *testing.T, url, user string) *jmapClient {
	t.Helper()
	c := &jmapClient{t: t, url: url, user: user}
	var sess struct {
		PrimaryAccounts map[string]string `json:"primaryAccounts"`
	}
	c.do(http.MethodGet, jmap.PathSession, nil, &sess)
	c.acct = sess.PrimaryAccounts[jmap.CapMail]
	if c.acct == "" {
		t.Fatalf("no mail account in session of %s", user)
	}
	return c
}

func (c *jmapClient) do(method, path string, body any, out any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.user, "secret"+c.user)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
}

// call runs one method and returns its arguments, failing on an error.
func (c *jmapClient) call(name string, args map[string]any) map[string]any {
	c.t.Helper()
	args["accountId"] = c.acct
	var resp struct {
		MethodResponses [][]json.RawMessage `json:"methodResponses"`
	}
	c.do(http.MethodPost, jmap.PathAPI, map[string]any{
		"using":       []string{jmap.CapCore, jmap.CapMail, jmap.CapSubmission, jmap.CapVacation},
		"methodCalls": []any{[]any{name, args, "c"}}}, &resp)
	var got string
	if len(resp.MethodResponses) != 1 || json.Unmarshal(resp.MethodResponses[0][0], &got) != nil ||
		got != name {
		c.t.Fatalf("%s answered %s", name, resp.MethodResponses)
	}
	var out map[string]any
	if err := json.Unmarshal(resp.MethodResponses[0][1], &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// jmapEmails reads every email of the account with Email/query and
// Email/get as "blobId receivedAt keywords mailbox-names" lines, sorted:
// ids differ between servers, the rest must not.
func jmapEmails(c *jmapClient) []string {
	c.t.Helper()
	names := map[string]string{}
	mbs := c.call("Mailbox/get", map[string]any{"ids": nil})
	for _, o := range mbs["list"].([]any) {
		m := o.(map[string]any)
		names[m["id"].(string)] = fmt.Sprint(m["name"], "@", m["parentId"])
	}
	var out []string
	for pos := 0; ; pos += 500 {
		q := c.call("Email/query", map[string]any{"position": pos, "limit": 500,
			"sort": []any{map[string]any{"property": "receivedAt"}}})
		ids := q["ids"].([]any)
		if len(ids) == 0 {
			break
		}
		g := c.call("Email/get", map[string]any{"ids": ids,
			"properties": []string{"blobId", "receivedAt", "keywords", "mailboxIds"}})
		for _, o := range g["list"].([]any) {
			e := o.(map[string]any)
			var kws, boxes []string
			for k := range e["keywords"].(map[string]any) {
				kws = append(kws, k)
			}
			for id := range e["mailboxIds"].(map[string]any) {
				boxes = append(boxes, mailboxPath(names, id))
			}
			slices.Sort(kws)
			slices.Sort(boxes)
			out = append(out, fmt.Sprint(e["blobId"], " ", e["receivedAt"], " ", kws, " ", boxes))
		}
	}
	slices.Sort(out)
	return out
}

// mailboxPath spells a mailbox by its names up to the top, since ids
// differ between servers.
func mailboxPath(names map[string]string, id string) string {
	n := names[id]
	name, parent, _ := strings.Cut(n, "@")
	if parent == "<nil>" || parent == "" {
		return name
	}
	return mailboxPath(names, parent) + "/" + name
}

// compareJMAP checks that an account reads the same over JMAP: emails
// with their keywords and mailboxes, identities and vacation response.
func compareJMAP(t *testing.T, srcURL, dstURL, user string) {
	t.Helper()
	a, b := newJMAPClient(t, srcURL, user), newJMAPClient(t, dstURL, user)
	want, got := jmapEmails(a), jmapEmails(b)
	if !slices.Equal(got, want) {
		t.Errorf("%s: %d emails over JMAP differ from %d", user, len(got), len(want))
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("first difference: %s, want %s", got[i], want[i])
				break
			}
		}
	}
	for _, method := range []string{"Identity/get", "VacationResponse/get"} {
		w := a.call(method, map[string]any{})["list"]
		g := b.call(method, map[string]any{})["list"]
		wb, _ := json.Marshal(sortByID(w))
		gb, _ := json.Marshal(sortByID(g))
		if !bytes.Equal(wb, gb) {
			t.Errorf("%s %s: %s, want %s", user, method, gb, wb)
		}
	}
}

func sortByID(l any) []any {
	out := slices.Clone(l.([]any))
	slices.SortFunc(out, func(a, b any) int {
		return strings.Compare(fmt.Sprint(a.(map[string]any)["id"]),
			fmt.Sprint(b.(map[string]any)["id"]))
	})
	return out
}
