package jmap

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestEmailQueryChanges(t *testing.T) {
	e := newEnv(t, nil)
	a := e.deliver(testMessage("alpha one", "x"))
	e.deliver(testMessage("beta two", "x"))
	sort := []any{map[string]any{"property": "subject"}}
	q := e.one("Email/query", map[string]any{"sort": sort})
	st := q["queryState"].(string)
	c := e.deliver(testMessage("a first", "x"))
	e.one("Email/set", map[string]any{"destroy": []string{string(a)}})
	qc := e.one("Email/queryChanges", map[string]any{"sinceQueryState": st, "sort": sort,
		"calculateTotal": true})
	added, _ := json.Marshal(qc["added"])
	if string(added) != fmt.Sprintf(`[{"id":"%s","index":0}]`, c) || qc["total"] != 2.0 ||
		!strings.Contains(fmt.Sprint(qc["removed"]), string(a)) {
		t.Errorf("Email/queryChanges = %v", qc)
	}
	rs := e.call([]any{"Email/queryChanges", map[string]any{"accountId": "ACCT",
		"sinceQueryState": "x"}, "0"},
		[]any{"Mailbox/queryChanges", map[string]any{"accountId": "ACCT",
			"sinceQueryState": "x"}, "1"})
	for _, r := range rs {
		if r := r.([]any); r[0] != "error" ||
			r[1].(map[string]any)["type"] != ErrTypeCannotCalculate {
			t.Errorf("queryChanges = %v", r)
		}
	}
}

func TestSnippetParseCopy(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deliver(testMessage("Lunch plans", "shall we have lunch <today>?"))
	sn := e.one("SearchSnippet/get", map[string]any{"emailIds": []string{string(id)},
		"filter": map[string]any{"text": "lunch"}})
	got := sn["list"].([]any)[0].(map[string]any)
	if got["subject"] != "<mark>Lunch</mark> plans" ||
		!strings.Contains(got["preview"].(string), "<mark>lunch</mark> &lt;today&gt;") {
		t.Errorf("SearchSnippet/get = %v", got)
	}
	blob := e.upload(testMessage("parsed", "parse me"), "message/rfc822")
	p := e.one("Email/parse", map[string]any{"blobIds": []string{blob, "Gnope"},
		"fetchTextBodyValues": true})
	parsed := p["parsed"].(map[string]any)[blob].(map[string]any)
	if parsed["subject"] != "parsed" || len(p["notFound"].([]any)) != 1 {
		t.Errorf("Email/parse = %v", p)
	}
	bc := e.one("Blob/copy", map[string]any{"fromAccountId": e.acct,
		"blobIds": []string{blob, "Gnope"}})
	if bc["copied"].(map[string]any)[blob] != blob || len(bc["notCopied"].(map[string]any)) != 1 {
		t.Errorf("Blob/copy = %v", bc)
	}
	rs := e.call([]any{"Email/copy", map[string]any{"accountId": "ACCT",
		"fromAccountId": "aYm9i", "create": map[string]any{}}, "0"})
	if r := rs[0].([]any); r[1].(map[string]any)["type"] != ErrTypeFromAccountNotFound {
		t.Errorf("Email/copy = %v", r)
	}
}

func TestEmailCreateAttachment(t *testing.T) {
	e := newEnv(t, nil)
	drafts := e.mailboxID("Drafts")
	blob := e.upload("PDFDATA", "application/pdf")
	rs := e.call(
		[]any{"Email/set", map[string]any{"accountId": "ACCT", "create": map[string]any{
			"d": map[string]any{
				"mailboxIds":             map[string]bool{drafts: true},
				"from":                   []any{map[string]any{"email": testUser}},
				"subject":                "with file",
				"header:X-Mailer:asText": "Bulwark test",
				"header:X-Raw":           " raw value",
				"textBody":               []any{map[string]any{"partId": "t"}},
				"htmlBody": []any{map[string]any{"partId": "h",
					"type": "text/html"}},
				"bodyValues": map[string]any{"t": map[string]any{"value": "plain"},
					"h": map[string]any{"value": "<p>rich</p>"}},
				"attachments": []any{map[string]any{"blobId": blob,
					"type": "application/pdf", "name": "r.pdf"}},
			},
			"nofile": map[string]any{"mailboxIds": map[string]bool{drafts: true},
				"attachments": []any{map[string]any{"blobId": "Gnope"}}},
		}}, "0"},
		[]any{"Email/get", map[string]any{"accountId": "ACCT", "ids": []string{"#d"},
			"properties": []string{"attachments", "textBody", "htmlBody", "bodyValues",
				"header:X-Mailer:asText", "header:X-Raw"},
			"fetchAllBodyValues": true}, "1"},
	)
	set := rs[0].([]any)[1].(map[string]any)
	if nc := set["notCreated"].(map[string]any)["nofile"]; nc == nil ||
		nc.(map[string]any)["type"] != SetErrBlobNotFound {
		t.Errorf("missing blob = %v", set)
	}
	em := rs[1].([]any)[1].(map[string]any)["list"].([]any)[0].(map[string]any)
	if em["header:X-Mailer:asText"] != "Bulwark test" || em["header:X-Raw"] != " raw value" {
		t.Errorf("created headers = %q, %q", em["header:X-Mailer:asText"], em["header:X-Raw"])
	}
	att := em["attachments"].([]any)
	if len(att) != 1 || att[0].(map[string]any)["name"] != "r.pdf" {
		t.Fatalf("attachments = %v", em)
	}
	code, body := e.get(PathDownload + e.acct + "/" +
		att[0].(map[string]any)["blobId"].(string) + "/r.pdf")
	if code != 200 || string(body) != "PDFDATA" {
		t.Errorf("attachment download = %d %q", code, body)
	}
	var vals []string
	for _, v := range em["bodyValues"].(map[string]any) {
		vals = append(vals, v.(map[string]any)["value"].(string))
	}
	sort.Strings(vals)
	if strings.Join(vals, "|") != "<p>rich</p>|plain" {
		t.Errorf("bodyValues = %q", vals)
	}
}

func TestCollapseThreads(t *testing.T) {
	e := newEnv(t, nil)
	e.deliver("Subject: topic\r\nMessage-ID: <a@x>\r\n\r\nx\r\n")
	e.deliver("Subject: Re: topic\r\nMessage-ID: <b@x>\r\nIn-Reply-To: <a@x>\r\n" +
		"References: <a@x>\r\n\r\ny\r\n")
	e.deliver("Subject: other\r\nMessage-ID: <c@x>\r\n\r\nz\r\n")
	for collapse, want := range map[bool]float64{false: 3, true: 2} {
		q := e.one("Email/query", map[string]any{"collapseThreads": collapse,
			"calculateTotal": true})
		if q["total"] != want {
			t.Errorf("collapseThreads=%v total = %v, want %v", collapse, q["total"], want)
		}
	}
}

func TestBlobUploadGet(t *testing.T) {
	e := newEnv(t, nil)
	base := e.upload("0123456789", "text/plain")
	rs := e.callRaw(map[string]any{"using": []string{CapCore, CapBlob},
		"methodCalls": []any{
			[]any{"Blob/upload", map[string]any{"accountId": e.acct, "create": map[string]any{
				"b": map[string]any{"type": "text/plain", "data": []any{
					map[string]any{"data:asText": "ab"},
					map[string]any{"data:asBase64": "Y2Q="},
					map[string]any{"blobId": base, "offset": 2, "length": 3}}},
				"bad": map[string]any{"data": []any{map[string]any{"blobId": "Gnone"}}},
			}}, "0"},
			[]any{"Blob/get", map[string]any{"accountId": e.acct, "ids": []string{"#b"},
				"properties": []string{"data:asText", "size", "digest:sha-256"}}, "1"},
		}})
	up := rs[0].([]any)[1].(map[string]any)
	if up["notCreated"].(map[string]any)["bad"] == nil ||
		up["created"].(map[string]any)["b"] == nil {
		t.Fatalf("Blob/upload = %v", up)
	}
	got := rs[1].([]any)[1].(map[string]any)["list"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["data:asText"] != "abcd234" ||
		got[0].(map[string]any)["size"] != 7.0 {
		t.Errorf("Blob/get = %v", rs[1])
	}
}

// TestEmailQueryStemmed: a text or body filter also finds the other
// words of its stem (RFC 8621 section 4.4.1).
func TestEmailQueryStemmed(t *testing.T) {
	e := newEnv(t, nil)
	a := e.deliver(testMessage("Status", "the reports were filed"))
	e.deliver(testMessage("Other", "nothing to see"))
	for _, filter := range []map[string]any{{"text": "reporting"}, {"body": "report"}} {
		q := e.one("Email/query", map[string]any{"filter": filter})
		if ids := fmt.Sprint(q["ids"]); ids != fmt.Sprintf("[%s]", a) {
			t.Errorf("Email/query %v = %s, want [%s]", filter, ids, a)
		}
	}
}
