package msgparse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mpMessage is the part of mail-parser's expected JSON the tests read.
type mpMessage struct {
	HTMLBody    []int    `json:"html_body"`
	TextBody    []int    `json:"text_body"`
	Attachments []int    `json:"attachments"`
	Parts       []mpPart `json:"parts"`
}

type mpPart struct {
	Headers []struct {
		Name  json.RawMessage `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"headers"`
	Body json.RawMessage `json:"body"`
}

type mpBody struct {
	Text      *string    `json:"Text"`
	HTML      *string    `json:"Html"`
	Multipart []int      `json:"Multipart"`
	Message   *mpMessage `json:"Message"`
}

// header returns the value of a named field, as raw JSON.
func (p *mpPart) header(name string) json.RawMessage {
	for _, h := range p.Headers {
		var n string
		if json.Unmarshal(h.Name, &n) == nil && n == name {
			return h.Value
		}
	}
	return nil
}

func (p *mpPart) body() mpBody {
	var b mpBody
	_ = json.Unmarshal(p.Body, &b)
	return b
}

// TestStalwartCorpus compares each mail-parser message with its expected
// parse on the fields both define: the part tree, content types, the
// RFC 8621 body lists, subject, sender, Message-ID, date and text bodies.
func TestStalwartCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(stalwartDir, "eml", "*", "*.eml"))
	if len(files) == 0 {
		t.Fatal("no mail-parser messages found")
	}
	counts := map[string]int{}
	whole := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".json")
		if err != nil {
			continue
		}
		var want mpMessage
		if err := json.Unmarshal(js, &want); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m, err := Parse(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("Parse(%s) = %v", f, err)
		}
		diffs := compareMP(m, &want)
		for _, aspect := range mpAspects {
			if !slices.ContainsFunc(diffs, func(d string) bool {
				return strings.HasPrefix(d, aspect)
			}) {
				counts[aspect]++
			}
		}
		if len(diffs) == 0 {
			whole++
		} else if testing.Verbose() {
			t.Logf("%s:\n  %s", f, strings.Join(diffs, "\n  "))
		}
	}
	for _, a := range mpAspects {
		t.Logf("%-10s %d of %d", a, counts[a], len(files))
	}
	reportMatches(t, "mail-parser messages", whole, len(files), 0)
}

var mpAspects = []string{"tree", "type", "bodies", "subject", "from", "msgid", "date", "text"}

// compareMP lists the differences, each led by its aspect's name.
func compareMP(m *Message, want *mpMessage) []string {
	var diffs []string
	index := map[*Part]int{}
	if len(want.Parts) == 0 {
		return []string{"tree: no expected parts"}
	}
	diffs = append(diffs, compareMPPart(m.Root, want, 0, false, index)...)
	lists := []struct {
		name string
		got  []*Part
		want []int
	}{
		{"text", m.TextBody, want.TextBody},
		{"html", m.HTMLBody, want.HTMLBody},
		{"attachments", m.Attachments, want.Attachments},
	}
	for _, l := range lists {
		var got []int
		for _, p := range l.got {
			got = append(got, index[p])
		}
		if !slices.Equal(got, l.want) && !(len(got) == 0 && len(l.want) == 0) {
			diffs = append(diffs, fmt.Sprintf("bodies: %s = %v, want %v", l.name, got, l.want))
		}
	}
	root := &want.Parts[0]
	diffs = append(diffs, compareMPHeaders(m, root)...)
	return diffs
}

// compareMPPart walks both trees, recording our part's index in theirs.
func compareMPPart(p *Part, want *mpMessage, i int, digest bool,
	index map[*Part]int) []string {
	if i < 0 || i >= len(want.Parts) {
		return []string{fmt.Sprintf("tree: part index %d out of range", i)}
	}
	index[p] = i
	wp := &want.Parts[i]
	var diffs []string
	wantType := "text/plain"
	if digest {
		wantType = "message/rfc822"
	}
	var ct struct {
		ContentType *struct {
			Type    string  `json:"c_type"`
			Subtype *string `json:"c_subtype"`
		}
	}
	if raw := wp.header("content_type"); raw != nil && json.Unmarshal(raw, &ct) == nil &&
		ct.ContentType != nil && ct.ContentType.Subtype != nil {
		wantType = strings.ToLower(ct.ContentType.Type + "/" + *ct.ContentType.Subtype)
	}
	body := wp.body()
	if p.MediaType() != wantType && !(p.IsMultipart() != (body.Multipart != nil)) {
		diffs = append(diffs, fmt.Sprintf("type: part %d = %s, want %s",
			i, p.MediaType(), wantType))
	}
	switch {
	case body.Multipart != nil:
		if len(body.Multipart) == 0 && standsForBody(p) {
			break // an empty multipart gets one part on purpose
		}
		if len(p.Children) != len(body.Multipart) {
			return append(diffs, fmt.Sprintf("tree: part %d has %d children, want %d",
				i, len(p.Children), len(body.Multipart)))
		}
		for k, c := range p.Children {
			diffs = append(diffs, compareMPPart(c, want, body.Multipart[k],
				p.Subtype == "digest", index)...)
		}
	case body.Message != nil:
		if p.Message == nil {
			return append(diffs, fmt.Sprintf("tree: part %d is not an encapsulated message", i))
		}
		for _, d := range compareMP(p.Message, body.Message) {
			diffs = append(diffs, strings.Replace(d, ":", fmt.Sprintf(": in part %d:", i), 1))
		}
	default:
		if standsForBody(p) {
			p = p.Children[0] // an empty multipart, its body as one part
		}
		if len(p.Children) > 0 || p.Message != nil {
			diffs = append(diffs, fmt.Sprintf("tree: part %d is a leaf in the expected parse", i))
		}
		want := body.Text
		if want == nil {
			want = body.HTML
		}
		if want != nil && !sameText(p.Text, *want) {
			diffs = append(diffs, fmt.Sprintf("text: part %d = %.80q, want %.80q",
				i, p.Text, *want))
		}
	}
	return diffs
}

// standsForBody reports whether p is a multipart without body parts, given
// one text/plain part over its preamble by preamblePart.
func standsForBody(p *Part) bool {
	if !p.IsMultipart() || len(p.Children) != 1 {
		return false
	}
	c := p.Children[0]
	return c.MediaType() == "text/plain" && c.HeaderStart == p.BodyStart &&
		c.BodyStart == p.BodyStart
}

// sameText compares body text, ignoring line-end style and trailing
// white space; replacement characters in the expectation match any
// non-ASCII character.
func sameText(got, want string) bool {
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		return strings.TrimRight(s, " \t\r\n")
	}
	got, want = norm(got), norm(want)
	if got == want {
		return true
	}
	if strings.ContainsRune(want, '\uFFFD') {
		return maskNonASCII(got) == maskNonASCII(want)
	}
	return false
}

func maskNonASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x80 {
			return '?'
		}
		return r
	}, s)
}

func compareMPHeaders(m *Message, root *mpPart) []string {
	var diffs []string
	var subj struct{ Text *string }
	if raw := root.header("subject"); raw != nil && json.Unmarshal(raw, &subj) == nil &&
		subj.Text != nil && !sameText(m.Subject, *subj.Text) {
		diffs = append(diffs, fmt.Sprintf("subject: %q, want %q", m.Subject, *subj.Text))
	}
	var from struct {
		Address *addrListExpected
	}
	if raw := root.header("from"); raw != nil && json.Unmarshal(raw, &from) == nil &&
		from.Address != nil && len(from.Address.List) > 0 {
		w := expAddr(from.Address.List[0])
		if len(m.From) == 0 || m.From[0].Addr() != w.Addr() || !sameText(m.From[0].Name, w.Name) {
			diffs = append(diffs, fmt.Sprintf("from: %+v, want %+v", m.From, w))
		}
	}
	var id struct{ Text *string }
	if raw := root.header("message_id"); raw != nil && json.Unmarshal(raw, &id) == nil &&
		id.Text != nil && m.MessageID != *id.Text {
		diffs = append(diffs, fmt.Sprintf("msgid: %q, want %q", m.MessageID, *id.Text))
	}
	var date struct{ DateTime *dateExpected }
	if raw := root.header("date"); raw != nil && json.Unmarshal(raw, &date) == nil &&
		date.DateTime != nil {
		e := date.DateTime
		off := (e.TZHour*60 + e.TZMinute) * 60
		if e.Before {
			off = -off
		}
		w := time.Date(e.Year, time.Month(e.Month), e.Day, e.Hour, e.Minute, e.Second, 0,
			time.FixedZone("", off))
		if !m.Date.Equal(w) {
			diffs = append(diffs, fmt.Sprintf("date: %v, want %v", m.Date, w))
		}
	}
	return diffs
}
