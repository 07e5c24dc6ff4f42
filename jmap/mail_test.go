package jmap

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailstore"
)

func TestMailboxGetSet(t *testing.T) {
	e := newEnv(t, nil)
	got := e.one("Mailbox/get", map[string]any{})
	list := got["list"].([]any)
	roles := map[string]bool{}
	for _, m := range list {
		if r, ok := m.(map[string]any)["role"].(string); ok {
			roles[r] = true
		}
	}
	for _, r := range []string{"inbox", "drafts", "sent", "trash", "junk", "archive"} {
		if !roles[r] {
			t.Errorf("no mailbox with role %s in %v", r, list)
		}
	}
	inbox := e.mailboxID("INBOX")
	rs := e.call(
		[]any{"Mailbox/set", map[string]any{"accountId": "ACCT", "create": map[string]any{
			"p":   map[string]any{"name": "Projects"},
			"c":   map[string]any{"name": "Bulwark", "parentId": "#p"},
			"bad": map[string]any{"name": "a/b"},
		}}, "0"},
		[]any{"Mailbox/get", map[string]any{"accountId": "ACCT",
			"#ids": map[string]any{"resultOf": "0", "name": "Mailbox/set",
				"path": "/created/*/id"}, "properties": []string{"name", "parentId"}}, "1"},
	)
	set := rs[0].([]any)[1].(map[string]any)
	created := set["created"].(map[string]any)
	if len(created) != 2 || set["notCreated"].(map[string]any)["bad"] == nil {
		t.Fatalf("Mailbox/set = %v", set)
	}
	pid := created["p"].(map[string]any)["id"].(string)
	cid := created["c"].(map[string]any)["id"].(string)
	mb, err := e.ms.Mailbox(context.Background(), testUser, mailstore.MailboxID(cid))
	if err != nil || mb.Name != "Projects/Bulwark" || string(mb.ParentID) != pid {
		t.Errorf("child mailbox = %+v, %v", mb, err)
	}
	if l := rs[1].([]any)[1].(map[string]any)["list"].([]any); len(l) != 2 {
		t.Errorf("Mailbox/get by reference = %v", l)
	}

	// Rename, move to top level, then destroy with and without emails.
	e.one("Mailbox/set", map[string]any{"update": map[string]any{
		cid: map[string]any{"name": "Go", "parentId": nil, "isSubscribed": true}}})
	mb, _ = e.ms.Mailbox(context.Background(), testUser, mailstore.MailboxID(cid))
	if mb.Name != "Go" || mb.ParentID != "" || !mb.Subscribed {
		t.Errorf("after update mailbox = %+v", mb)
	}
	id := e.deliver(testMessage("keep", "x"))
	e.one("Email/set", map[string]any{"update": map[string]any{
		string(id): map[string]any{"mailboxIds": map[string]bool{cid: true}}}})
	r := e.one("Mailbox/set", map[string]any{"destroy": []string{cid, inbox}})
	nd := r["notDestroyed"].(map[string]any)
	if nd[cid].(map[string]any)["type"] != SetErrMailboxHasEmail || nd[inbox] == nil {
		t.Errorf("destroy = %v", r)
	}
	r = e.one("Mailbox/set", map[string]any{"destroy": []string{cid},
		"onDestroyRemoveEmails": true})
	if d := r["destroyed"].([]any); len(d) != 1 {
		t.Errorf("destroy with onDestroyRemoveEmails = %v", r)
	}
	q := e.one("Mailbox/query", map[string]any{"filter": map[string]any{"role": "inbox"}})
	if ids := q["ids"].([]any); len(ids) != 1 || ids[0] != inbox {
		t.Errorf("Mailbox/query role=inbox = %v", q)
	}
}

func TestEmailGet(t *testing.T) {
	e := newEnv(t, nil)
	msg := "From: Bob <bob@example.net>\r\nTo: alice@example.org\r\n" +
		"Subject: =?utf-8?q?caf=C3=A9?=\r\nDate: Mon, 02 Mar 2026 10:00:00 +0100\r\n" +
		"Message-ID: <m1@example.net>\r\nList-Post: <mailto:list@example.net>\r\n" +
		"X-Test: one\r\nX-Test: two\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello world, a long text\r\n" +
		"--b\r\nContent-Type: application/pdf; name=a.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n"
	id := e.deliver(msg)
	got := e.one("Email/get", map[string]any{"ids": []string{string(id), "e999"},
		"properties": []string{"subject", "from", "sentAt", "messageId", "keywords",
			"mailboxIds", "hasAttachment", "bodyValues", "textBody", "attachments",
			"bodyStructure", "header:X-Test:all", "header:Subject:asText",
			"header:From:asAddresses", "header:Message-ID:asMessageIds",
			"header:Date:asDate", "header:List-Post:asURLs", "header:X-Test",
			"preview", "receivedAt", "threadId", "blobId", "size"},
		"fetchTextBodyValues": true, "maxBodyValueBytes": 5})
	if nf := got["notFound"].([]any); len(nf) != 1 || nf[0] != "e999" {
		t.Errorf("notFound = %v", nf)
	}
	em := got["list"].([]any)[0].(map[string]any)
	for k, want := range map[string]string{
		"subject": `"café"`, "hasAttachment": `true`,
		"header:X-Test:all": `[" one"," two"]`, "header:X-Test": `" two"`,
		"header:Subject:asText": `"café"`, "messageId": `["m1@example.net"]`,
		"header:Message-ID:asMessageIds": `["m1@example.net"]`,
		"header:List-Post:asURLs":        `["mailto:list@example.net"]`,
	} {
		if b, _ := json.Marshal(em[k]); string(b) != want {
			t.Errorf("%s = %s, want %s", k, b, want)
		}
	}
	bv := em["bodyValues"].(map[string]any)
	if len(bv) != 1 {
		t.Fatalf("bodyValues = %v", bv)
	}
	for _, v := range bv {
		v := v.(map[string]any)
		if v["value"] != "hello" || v["isTruncated"] != true {
			t.Errorf("body value = %v, want hello truncated", v)
		}
	}
	from := em["from"].([]any)[0].(map[string]any)
	if from["email"] != "bob@example.net" || from["name"] != "Bob" {
		t.Errorf("from = %v", from)
	}
	if em["sentAt"] != "2026-03-02T10:00:00+01:00" {
		t.Errorf("sentAt = %v", em["sentAt"])
	}
	att := em["attachments"].([]any)[0].(map[string]any)
	if att["name"] != "a.pdf" || att["type"] != "application/pdf" {
		t.Errorf("attachment = %v", att)
	}
	bs := em["bodyStructure"].(map[string]any)
	if bs["type"] != "multipart/mixed" || len(bs["subParts"].([]any)) != 2 {
		t.Errorf("bodyStructure = %v", bs)
	}
	// The attachment downloads decoded.
	code, body := e.get(fmt.Sprintf("%s%s/%s/a.pdf?type=application/pdf", PathDownload,
		e.acct, att["blobId"]))
	if code != 200 || string(body) != "hello" {
		t.Errorf("download part = %d %q", code, body)
	}
	code, body = e.get(fmt.Sprintf("%s%s/%s/m.eml", PathDownload, e.acct, em["blobId"]))
	if code != 200 || !strings.HasPrefix(string(body), "From: Bob") {
		t.Errorf("download message = %d %q", code, body)
	}
}

func TestEmailQuerySetChanges(t *testing.T) {
	e := newEnv(t, nil)
	inbox := e.mailboxID("INBOX")
	st0 := e.one("Email/get", map[string]any{"ids": []string{}})["state"].(string)
	var ids []mailstore.EmailID
	for i := range 5 {
		ids = append(ids, e.deliver(testMessage(fmt.Sprintf("subject %d", i), "body text")))
	}
	q := e.one("Email/query", map[string]any{
		"filter":   map[string]any{"inMailbox": inbox, "subject": "subject"},
		"sort":     []any{map[string]any{"property": "subject", "isAscending": false}},
		"position": 1, "limit": 2, "calculateTotal": true})
	if b, _ := json.Marshal(q["ids"]); string(b) != fmt.Sprintf(`["%s","%s"]`, ids[3], ids[2]) ||
		q["total"] != 5.0 || q["position"] != 1.0 {
		t.Errorf("Email/query = %v", q)
	}
	// Anchor paging and an unknown anchor.
	q = e.one("Email/query", map[string]any{"anchor": string(ids[2]), "anchorOffset": -1,
		"limit": 2})
	if b, _ := json.Marshal(q["ids"]); string(b) != fmt.Sprintf(`["%s","%s"]`, ids[1], ids[2]) {
		t.Errorf("anchored query = %v", q)
	}
	rs := e.call([]any{"Email/query", map[string]any{"accountId": "ACCT", "anchor": "e999"}, "0"})
	if r := rs[0].([]any); r[0] != "error" {
		t.Errorf("unknown anchor = %v", r)
	}

	// JMAP write: keyword patches, and an IMAP-style write in between.
	ch := e.one("Email/changes", map[string]any{"sinceState": st0})
	if len(ch["created"].([]any)) != 5 {
		t.Errorf("Email/changes after delivery = %v", ch)
	}
	st1 := ch["newState"].(string)
	set := e.one("Email/set", map[string]any{"update": map[string]any{
		string(ids[0]): map[string]any{"keywords/$seen": true, "keywords/$flagged": true},
		string(ids[1]): map[string]any{"keywords/bad(": true},
		string(ids[2]): map[string]any{"subject": "x"},
	}})
	nu := set["notUpdated"].(map[string]any)
	if set["updated"].(map[string]any)[string(ids[0])] == nil && len(nu) != 2 {
		t.Errorf("Email/set = %v", set)
	}
	if len(nu) != 2 {
		t.Errorf("notUpdated = %v, want 2 entries", nu)
	}
	em, _ := e.ms.Email(context.Background(), testUser, ids[0])
	if strings.Join(em.Keywords, ",") != "$flagged,$seen" {
		t.Errorf("keywords = %v", em.Keywords)
	}
	mb, _ := e.ms.MailboxByName(context.Background(), testUser, "INBOX")
	_, _, err := e.ms.Store(context.Background(), testUser, mb.ID, []uint32{em.Mailboxes[mb.ID]},
		mailstore.FlagsRemove, []string{"$flagged"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ch = e.one("Email/changes", map[string]any{"sinceState": st1})
	if b, _ := json.Marshal(ch["updated"]); string(b) != fmt.Sprintf(`["%s"]`, ids[0]) {
		t.Errorf("Email/changes across JMAP and IMAP writes = %v", ch)
	}
	mch := e.one("Mailbox/changes", map[string]any{"sinceState": st1})
	if len(mch["updated"].([]any)) != 1 {
		t.Errorf("Mailbox/changes = %v", mch)
	}
	st2 := ch["newState"].(string)
	ch = e.one("Email/changes", map[string]any{"sinceState": st2})
	if len(ch["updated"].([]any)) != 0 {
		t.Errorf("no changes expected, got %v", ch)
	}
	// Destroy, and a stale ifInState.
	rs = e.call([]any{"Email/set", map[string]any{"accountId": "ACCT", "ifInState": st0,
		"destroy": []string{string(ids[4])}}, "0"})
	if r := rs[0].([]any); r[0] != "error" {
		t.Errorf("stale ifInState = %v", r)
	}
	set = e.one("Email/set", map[string]any{"ifInState": st2, "destroy": []string{string(ids[4])}})
	if len(set["destroyed"].([]any)) != 1 {
		t.Errorf("destroy = %v", set)
	}
	ch = e.one("Email/changes", map[string]any{"sinceState": st2})
	if b, _ := json.Marshal(ch["destroyed"]); string(b) != fmt.Sprintf(`["%s"]`, ids[4]) {
		t.Errorf("Email/changes after destroy = %v", ch)
	}
	th := e.one("Thread/get", map[string]any{"ids": []string{string(em.ThreadID)}})
	if len(th["list"].([]any)) != 1 {
		t.Errorf("Thread/get = %v", th)
	}
}
