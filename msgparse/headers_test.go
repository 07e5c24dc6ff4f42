package msgparse

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecodeHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?UTF-8?B?Y2Fmw6k=?=", "café"},
		{"=?utf-8?b?Y2Fmw6k?=", "café"}, // padding missing
		{"a =?utf-8?q?b?= =?utf-8?q?c?= d", "a bc d"},
		{"=?utf-8?q?split_=E2=82?= =?utf-8?q?=AC_sign?=", "split € sign"},
		{"=?iso-8859-1?q?J=F6rg?=", "Jörg"},
		{"=?ISO-8859-15?Q?=A4?=", "€"},
		{"=?koi8-r?b?8NLJ18XU?=", "Привет"},
		{"=?windows-1251?q?=CF=F0=E8?=", "При"},
		{"=?iso-2022-jp?b?GyRCJEokNRsoQg==?=", "なさ"},
		{"=?shift_jis?b?grGC8YLJgr+CzQ==?=", "こんにちは"},
		{"=?euc-kr?b?vsiz58fPvLy/5A==?=", "안녕하세요"},
		{"=?ks_c_5601-1987?b?vsiz58fPvLy/5A==?=", "안녕하세요"},
		{"=?big5?b?pOSk5Q==?=", "支文"},
		{"=?utf-7?q?+AOk-t+AOk-?=", "été"},
		{"=?utf-8*en?q?lang?=", "lang"},
		{"=?x-unknown?q?abc?=", "abc"},
		{"=?utf-8?x?bad?=", "=?utf-8?x?bad?="},
		{"=?utf-8?q?unterminated", "=?utf-8?q?unterminated"},
		{"8-bit \xe9t\xe9", "8-bit été"},
		{"raw UTF-8 \u00e9t\u00e9", "raw UTF-8 été"},
		{"folded\r\n line", "folded line"},
		{"=?utf-8?q?a?=(comment)=?utf-8?q?b?=", "a(comment)b"},
	}
	for _, tt := range tests {
		if got := DecodeHeader(tt.in); got != tt.want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBaseSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"Re: hello", "hello"},
		{"RE: Re: re: hello", "hello"},
		{"Fwd: hello", "hello"},
		{"Fw: hello", "hello"},
		{"Re[2]: hello", "hello"},
		{"[list] Re: hello", "hello"},
		{"Re: [list] hello", "hello"},
		{"hello (fwd)", "hello"},
		{"hello (fwd) (fwd)", "hello"},
		{"[Fwd: hello]", "hello"},
		{"Re: [Fwd: Re: hello (fwd)]", "hello"},
		{"  many   spaces\there ", "many spaces here"},
		{"[only a blob]", "[only a blob]"},
		{"Re:", ""},
		{"Reply to this", "Reply to this"},
		{"Fwdnot: x", "Fwdnot: x"},
	}
	for _, tt := range tests {
		if got := BaseSubject(tt.in); got != tt.want {
			t.Errorf("BaseSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	est := time.FixedZone("", -5*3600)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Thu, 03 Dec 2026 10:00:00 +0000", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"3 Dec 2026 10:00 -0500", time.Date(2026, 12, 3, 10, 0, 0, 0, est), true},
		{"Thu, 3 Dec 26 10:00:00 EST", time.Date(2026, 12, 3, 10, 0, 0, 0, est), true},
		{"Thu, 3 Dec 99 10:00:00 GMT", time.Date(1999, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"Thursday, 3 December 2026 10:00:00 +0000 (UTC)",
			time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"Dec 3 2026 10:00:00", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"2026-12-03T10:00:00+0000", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"Thu, 03 Dec 2026", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), true},
		{"Thu, 03 Dec 2026 10:00:60 +0000", time.Date(2026, 12, 3, 10, 0, 59, 0, time.UTC), true},
		{"Thu, 31 Feb 2026 10:00:00 +0000", time.Time{}, false},
		{"Thu, 03 Dec 2026 27:00:00 +0000", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseMessageIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{"<a@b> <c@d>\r\n <e@f>", []string{"a@b", "c@d", "e@f"}},
		{"<a@b>,<c@d>", []string{"a@b", "c@d"}},
		{"(comment) <a@b>", []string{"a@b"}},
		{"<a @ b>", []string{"a@b"}},
		{"a@b", []string{"a@b"}},
		{"Your message of <a@b>", []string{"a@b"}},
		{"", nil},
		{"<>", nil},
	}
	for _, tt := range tests {
		if got := ParseMessageIDs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMessageIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEnvelopeGroups follows RFC 9051 section 7.5.2: a group becomes a
// start marker with the group name in the mailbox field, its members, and
// an end marker; Message's own fields list the members only.
func TestEnvelopeGroups(t *testing.T) {
	raw := crlf("From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\n" +
		"To: Team: a@example.com, \"B, Smith\" <b@example.com>;, c@example.com\n" +
		"Cc: undisclosed-recipients:;\n" +
		"Bcc: <@route.example:d@example.com>\n\nbody")
	m := mustParse(t, raw)
	wantTo := []Address{
		{Mailbox: "Team", Kind: KindGroupStart},
		{Mailbox: "a", Host: "example.com"},
		{Name: "B, Smith", Mailbox: "b", Host: "example.com"},
		{Kind: KindGroupEnd},
		{Mailbox: "c", Host: "example.com"},
	}
	if !reflect.DeepEqual(m.Envelope.To, wantTo) {
		t.Errorf("Envelope.To = %+v, want %+v", m.Envelope.To, wantTo)
	}
	if len(m.To) != 3 || m.To[1].Name != "B, Smith" {
		t.Errorf("To = %+v, want the three mailboxes", m.To)
	}
	wantCc := []Address{{Mailbox: "undisclosed-recipients", Kind: KindGroupStart},
		{Kind: KindGroupEnd}}
	if !reflect.DeepEqual(m.Envelope.Cc, wantCc) || len(m.Cc) != 0 {
		t.Errorf("Envelope.Cc = %+v, Cc = %+v", m.Envelope.Cc, m.Cc)
	}
	if m.Envelope.From[0].Name != "=?utf-8?q?J=C3=B6rg?=" || m.From[0].Name != "Jörg" {
		t.Errorf("From names = %q (envelope), %q (decoded)",
			m.Envelope.From[0].Name, m.From[0].Name)
	}
	if len(m.Bcc) != 1 || m.Bcc[0].Addr() != "d@example.com" || m.Bcc[0].Route != "@route.example" {
		t.Errorf("Bcc = %+v, want d@example.com with its route apart", m.Bcc)
	}
	if m.Envelope.Sender != nil || m.Envelope.ReplyTo != nil {
		t.Errorf("Sender/ReplyTo = %v/%v, want absent", m.Envelope.Sender, m.Envelope.ReplyTo)
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in    string
		value string
		want  map[string]string
	}{
		{"text/plain", "text/plain", nil},
		{`text/plain; charset="utf-8"`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`text/plain;CHARSET=UTF-8;; format=flowed`, "text/plain",
			map[string]string{"charset": "UTF-8", "format": "flowed"}},
		{`text/plain charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`attachment; filename="a \"quoted\" name"`, "attachment",
			map[string]string{"filename": `a "quoted" name`}},
		{`attachment; filename="unterminated`, "attachment",
			map[string]string{"filename": "unterminated"}},
		{`a/b; x*0=one; x*2=three; x*1=two`, "a/b", map[string]string{"x": "onetwothree"}},
		{`a/b; x*0=one; x*2=gap`, "a/b", map[string]string{"x": "one"}},
		{`a/b; x*=utf-8'en'%E2%82%AC`, "a/b", map[string]string{"x": "€"}},
		{`a/b; x*=%41%4`, "a/b", map[string]string{"x": "A%4"}},
		{`a/b (comment); c=d (more)`, "a/b", map[string]string{"c": "d"}},
		{`multipart/mixed; boundary="=?x?="`, "multipart/mixed",
			map[string]string{"boundary": "=?x?="}},
	}
	for _, tt := range tests {
		v, p := parseParamValue(tt.in)
		if v != tt.value || !reflect.DeepEqual(p, tt.want) {
			t.Errorf("parseParamValue(%q) = %q %q, want %q %q", tt.in, v, p, tt.value, tt.want)
		}
	}
}

func TestParseURLs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<mailto:list@host.com?subject=help> (List Instructions)",
			[]string{"mailto:list@host.com?subject=help"}},
		{"<http://www.host.com/list/>,\r\n <mailto:list-info@host.com>",
			[]string{"http://www.host.com/list/", "mailto:list-info@host.com"}},
		{"<http://a.example/\r\n  b>", []string{"http://a.example/b"}},
		{"NO", nil},
		{"<unclosed", nil},
	}
	for _, tt := range tests {
		if got := ParseURLs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Raw 8-bit bytes inside an encoded word are decoded in the word's charset,
// and the envelope keeps valid UTF-8.
func TestEightBitInsideEncodedWord(t *testing.T) {
	raw := "Subject: =?iso-8859-1?Q?Fr\xf6sche?= und \xe4\n" +
		"From: =?iso-8859-1?Q?J\xfcrgen?= <j@example.com>\n\nbody"
	m := mustParse(t, raw)
	if m.Subject != "Frösche und ä" {
		t.Errorf("Subject = %q, want %q", m.Subject, "Frösche und ä")
	}
	if m.From[0].Name != "Jürgen" {
		t.Errorf("From name = %q, want %q", m.From[0].Name, "Jürgen")
	}
	for _, s := range []string{m.Envelope.Subject, m.Envelope.From[0].Name} {
		if !utf8.ValidString(s) {
			t.Errorf("envelope value %q is not UTF-8", s)
		}
	}
}

// TestSourceRoute keeps the obsolete source route apart (RFC 5322
// section 4.4) and through the stored form.
func TestSourceRoute(t *testing.T) {
	list := ParseAddressList("Joe <@a.example,@b.example:joe@c.example>, ann@d.example")
	if len(list) != 2 || list[0].Route != "@a.example,@b.example" ||
		list[0].Addr() != "joe@c.example" || list[1].Addr() != "ann@d.example" {
		t.Fatalf("ParseAddressList = %+v", list)
	}
	m, err := Parse(strings.NewReader("To: <@r.example:x@y.example>\r\n\r\nhi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.MarshalBinary()
	var back Message
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back.Envelope.To[0].Route != "@r.example" || back.Envelope.To[0].Addr() != "x@y.example" {
		t.Errorf("stored envelope To = %+v", back.Envelope.To)
	}
}
