package jmap

import (
	"slices"
	"testing"
)

func threadMsg(id, subject, inReplyTo string) string {
	h := "From: Bob <bob@example.net>\r\nTo: alice@example.org\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + id + "@example.net>\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + "@example.net>\r\n"
	}
	return h + "\r\nbody\r\n"
}

// counts returns totalThreads and unreadThreads of a mailbox by Mailbox/get.
func (e *env) threadCounts(mbox string) (total, unread float64) {
	e.t.Helper()
	g := e.one("Mailbox/get", map[string]any{"ids": []string{mbox},
		"properties": []string{"totalThreads", "unreadThreads"}})
	m := g["list"].([]any)[0].(map[string]any)
	return m["totalThreads"].(float64), m["unreadThreads"].(float64)
}

// TestMailboxThreadCounts checks totalThreads and unreadThreads (RFC 8621
// section 2), with an unread email in another mailbox and in the Trash,
// and that Mailbox/changes reports a mailbox whose thread counts moved
// through an email elsewhere.
func TestMailboxThreadCounts(t *testing.T) {
	e := newEnv(t, nil)
	inbox, archive, trash := e.mailboxID("INBOX"), e.mailboxID("Archive"), e.mailboxID("Trash")
	a1 := e.deliver(threadMsg("a1", "topic", ""))
	a2 := e.deliver(threadMsg("a2", "Re: topic", "a1"))
	b1 := e.deliver(threadMsg("b1", "other", ""))
	th := e.one("Email/get", map[string]any{"ids": []string{string(a1), string(a2), string(b1)},
		"properties": []string{"threadId"}})["list"].([]any)
	if th[0].(map[string]any)["threadId"] != th[1].(map[string]any)["threadId"] ||
		th[0].(map[string]any)["threadId"] == th[2].(map[string]any)["threadId"] {
		t.Fatalf("threads = %v", th)
	}
	if tot, un := e.threadCounts(inbox); tot != 2 || un != 2 {
		t.Errorf("inbox threads %v unread %v, want 2 2", tot, un)
	}
	full := e.one("Mailbox/get", map[string]any{"ids": []string{inbox}})["list"].([]any)[0]
	if m := full.(map[string]any); m["totalEmails"] != 3.0 || m["totalThreads"] != 2.0 {
		t.Errorf("inbox = %v", m)
	}
	seen := map[string]any{"keywords/$seen": true}
	e.one("Email/set", map[string]any{"update": map[string]any{string(a1): seen,
		string(b1): seen, string(a2): map[string]any{"mailboxIds": map[string]bool{archive: true}}}})
	// a2, unread, is in the Archive only: its thread is unread in both.
	if tot, un := e.threadCounts(inbox); tot != 2 || un != 1 {
		t.Errorf("inbox threads %v unread %v, want 2 1", tot, un)
	}
	if tot, un := e.threadCounts(archive); tot != 1 || un != 1 {
		t.Errorf("archive threads %v unread %v, want 1 1", tot, un)
	}
	st := e.one("Mailbox/get", map[string]any{"ids": []string{}})["state"].(string)
	e.one("Email/set", map[string]any{"update": map[string]any{string(a2): seen}})
	if _, un := e.threadCounts(inbox); un != 0 {
		t.Errorf("inbox unread threads %v after reading a2, want 0", un)
	}
	ch := e.one("Mailbox/changes", map[string]any{"sinceState": st})
	if up := ids(ch["updated"]); !slices.Contains(up, inbox) || !slices.Contains(up, archive) {
		t.Errorf("Mailbox/changes after reading a2 in the archive = %v", ch)
	}
	if props := ch["updatedProperties"]; props == nil {
		t.Errorf("updatedProperties missing: %v", ch)
	}
	// Unread again and in the Trash only: it no longer counts for the
	// inbox, only for the Trash.
	e.one("Email/set", map[string]any{"update": map[string]any{string(a2): map[string]any{
		"keywords/$seen": nil, "mailboxIds": map[string]bool{trash: true}}}})
	if tot, un := e.threadCounts(inbox); tot != 2 || un != 0 {
		t.Errorf("inbox threads %v unread %v with a2 in the trash, want 2 0", tot, un)
	}
	if tot, un := e.threadCounts(trash); tot != 1 || un != 1 {
		t.Errorf("trash threads %v unread %v, want 1 1", tot, un)
	}
	// A draft is not unread.
	e.one("Email/set", map[string]any{"update": map[string]any{string(a1): map[string]any{
		"keywords": map[string]bool{"$draft": true}}}})
	if _, un := e.threadCounts(inbox); un != 0 {
		t.Errorf("inbox unread threads %v with a draft, want 0", un)
	}
	if tot, un := e.threadCounts(archive); tot != 0 || un != 0 {
		t.Errorf("empty archive threads %v unread %v", tot, un)
	}
}

// TestThreadChanges checks Thread/changes as a reply joins a thread and
// a new thread starts (RFC 8621 section 3.2).
func TestThreadChanges(t *testing.T) {
	e := newEnv(t, nil)
	a1 := e.deliver(threadMsg("a1", "topic", ""))
	tid := e.one("Email/get", map[string]any{"ids": []string{string(a1)},
		"properties": []string{"threadId"}})["list"].([]any)[0].(map[string]any)["threadId"].(string)
	st := e.one("Thread/get", map[string]any{"ids": []string{tid}})["state"].(string)
	e.deliver(threadMsg("a2", "Re: topic", "a1"))
	b1 := e.deliver(threadMsg("b1", "other", ""))
	ch := e.one("Thread/changes", map[string]any{"sinceState": st})
	if !slices.Equal(ids(ch["updated"]), []string{tid}) || len(ch["created"].([]any)) != 1 {
		t.Errorf("Thread/changes = %v", ch)
	}
	g := e.one("Thread/get", map[string]any{"ids": []string{tid}})
	if l := g["list"].([]any)[0].(map[string]any)["emailIds"].([]any); len(l) != 2 {
		t.Errorf("Thread/get = %v", g)
	}
	e.one("Email/set", map[string]any{"destroy": []string{string(b1)}})
	ch2 := e.one("Thread/changes", map[string]any{"sinceState": ch["newState"]})
	if !slices.Equal(ids(ch2["destroyed"]), ids(ch["created"])) {
		t.Errorf("Thread/changes after destroying the only email = %v", ch2)
	}
	ch3 := e.one("Thread/changes", map[string]any{"sinceState": st, "maxChanges": 1})
	if ch3["hasMoreChanges"] != true || len(ch3["updated"].([]any))+len(ch3["created"].([]any)) != 1 {
		t.Errorf("Thread/changes maxChanges 1 = %v", ch3)
	}
}
