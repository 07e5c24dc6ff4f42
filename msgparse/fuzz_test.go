package msgparse

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must not panic, must not
// fail, and its result must keep the offset invariants and survive the
// stored form. Seeded from the whole message corpus and the pitfall cases.
func FuzzParse(f *testing.F) {
	for _, name := range corpusFiles(f) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range []string{case001, case003, case006, case007} {
		f.Add([]byte(crlf(c)))
	}
	f.Add([]byte(crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n" +
		"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
		"U3ViamVjdDogaW5uZXIKCmJvZHkK\n--b--\n")))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--"))
	f.Add([]byte(trace + "From a@b Tue May 10 11:28:07 2005\r\nSubject: s\r\n\r\nb"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=ab\n\n--ab\n" +
		"Content-Type: multipart/alternative; boundary=a\n\npre\n--ab--\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseOptions(bytes.NewReader(raw), Options{MaxDepth: 20})
		if err != nil {
			t.Fatalf("Parse = %v", err)
		}
		checkInvariants(t, "fuzz input", m, raw)
		for _, p := range m.TextBody {
			if _, _, err := p.ReadText(bytes.NewReader(raw), 1<<16); err != nil {
				t.Fatalf("ReadText = %v", err)
			}
		}
	})
}

// FuzzUnmarshalBinary checks that corrupt stored bytes give an error, not
// a panic or a huge allocation.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, raw := range []string{crlf(case003), "Subject: x\n\nbody"} {
		m, _ := Parse(bytes.NewReader([]byte(raw)))
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		_ = m.UnmarshalBinary(b)
	})
}

// FuzzHeaderFields feeds arbitrary field values to the structured field
// readers. Seeded from mail-parser's header vectors.
func FuzzHeaderFields(f *testing.F) {
	for _, name := range []string{"address.json", "content_type.json", "date.json"} {
		b, err := os.ReadFile(filepath.Join(stalwartDir, name))
		if err != nil {
			f.Fatal(err)
		}
		var vs []struct{ Header string }
		if err := json.Unmarshal(b, &vs); err != nil {
			f.Fatal(err)
		}
		for _, v := range vs {
			f.Add(v.Header)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseAddressList(s)
		ParseDate(s)
		ParseMessageIDs(s)
		ParseURLs(s)
		parseParamValue(s)
		BaseSubject(DecodeHeader(s))
	})
}
