package jmap

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// upload posts a blob and returns its id.
func (e *env) upload(data, typ string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathUpload+e.acct+"/",
		strings.NewReader(data))
	req.SetBasicAuth(testUser, testPass)
	req.Header.Set("Content-Type", typ)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	if out["size"] != float64(len(data)) || out["type"] != typ {
		e.t.Errorf("upload answer = %v", out)
	}
	return out["blobId"].(string)
}

// TestImportReceivedAt is case 030: Email/import without receivedAt takes
// the most recent Received header, else the import time, never a date in
// the future; a given receivedAt is kept.
func TestImportReceivedAt(t *testing.T) {
	e := newEnv(t, nil)
	body := "From: Sue Example <sue@example.org>\r\nTo: Ted Example <ted@example.test>\r\n" +
		"Subject: old mail\r\nDate: Tue, 05 Mar 2019 10:14:10 +0000\r\n" +
		"Message-ID: <old-0030@example.org>\r\n\r\nfrom 2019\r\n"
	blobA := e.upload("Received: from mx.example.org (mx.example.org [192.0.2.40])\r\n"+
		" by mx.example.test with ESMTPS; Tue, 05 Mar 2019 10:15:00 +0000\r\n"+body,
		"message/rfc822")
	blobB := e.upload(body, "message/rfc822")
	inbox := e.mailboxID("INBOX")
	start := time.Now().Add(-time.Second)
	rs := e.call(
		[]any{"Email/import", map[string]any{"accountId": "ACCT", "emails": map[string]any{
			"a": map[string]any{"blobId": blobA, "mailboxIds": map[string]bool{inbox: true}},
			"b": map[string]any{"blobId": blobB, "mailboxIds": map[string]bool{inbox: true}},
			"c": map[string]any{"blobId": blobB, "mailboxIds": map[string]bool{inbox: true},
				"receivedAt": "2020-01-02T03:04:05Z"},
			"x": map[string]any{"blobId": "Gbogus", "mailboxIds": map[string]bool{inbox: true}},
		}}, "0"},
		[]any{"Email/get", map[string]any{"accountId": "ACCT", "#ids": map[string]any{
			"resultOf": "0", "name": "Email/import", "path": "/created/*/id"},
			"properties": []string{"receivedAt", "sentAt", "subject"}}, "1"},
		[]any{"Email/query", map[string]any{"accountId": "ACCT",
			"sort": []any{map[string]any{"property": "receivedAt", "isAscending": false}}}, "2"},
	)
	imp := rs[0].([]any)[1].(map[string]any)
	created := imp["created"].(map[string]any)
	if len(created) != 3 || imp["notCreated"].(map[string]any)["x"] == nil {
		t.Fatalf("Email/import = %v", imp)
	}
	recv := map[string]string{}
	for _, o := range rs[1].([]any)[1].(map[string]any)["list"].([]any) {
		o := o.(map[string]any)
		recv[o["id"].(string)] = o["receivedAt"].(string)
	}
	id := func(cid string) string { return created[cid].(map[string]any)["id"].(string) }
	if recv[id("a")] != "2019-03-05T10:15:00Z" || recv[id("c")] != "2020-01-02T03:04:05Z" {
		t.Errorf("receivedAt = %v", recv)
	}
	tb, err := time.Parse(time.RFC3339, recv[id("b")])
	if err != nil || tb.Before(start.Truncate(time.Second)) || tb.After(time.Now()) {
		t.Errorf("receivedAt of b = %v, want the import time", recv[id("b")])
	}
	ids, _ := json.Marshal(rs[2].([]any)[1].(map[string]any)["ids"])
	if want, _ := json.Marshal([]string{id("b"), id("c"), id("a")}); string(ids) != string(want) {
		t.Errorf("query by receivedAt desc = %s, want %s", ids, want)
	}
}

func TestUploadLimitsAndAccess(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxSizeUpload = 10 })
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+PathUpload+e.acct+"/",
		strings.NewReader(strings.Repeat("x", 11)))
	req.SetBasicAuth(testUser, testPass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload status = %d", resp.StatusCode)
	}
	blob := e.upload("small", "text/plain")
	if code, body := e.get(PathDownload + e.acct + "/" + blob + "/f.txt"); code != 200 ||
		string(body) != "small" {
		t.Errorf("download = %d %q", code, body)
	}
	other := accountID("bob@example.org")
	if code, _ := e.get(PathDownload + other + "/" + blob + "/f.txt"); code != 404 {
		t.Errorf("download from another account = %d, want 404", code)
	}
	unknown := "/G" + strings.Repeat("0", 64) + "/f"
	if code, _ := e.get(PathDownload + e.acct + unknown); code != 404 {
		t.Errorf("download of unknown blob = %d, want 404", code)
	}
}
