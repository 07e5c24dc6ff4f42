package spamfilter

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	f.Add([]byte(cleanMsg().String()))
	f.Add([]byte("Subject: =?utf-8?b?SGVsbG8=?=\r\nFrom: \"x@y.example\" <a@b>\r\n\r\n" +
		"http://[::1 https://1.2.3.4:80/ http://0x7f.1/ https://@/ http://a@b@c/\r\n"))
	f.Add([]byte("Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/html\r\n\r\n<a href='https://bit.ly/x'>" +
		strings.Repeat("w", 300) + "</a>\r\n--b--\r\n"))
	for _, p := range []string{"messages/cpython-email/msg_08.txt",
		"messages/cpython-email/msg_15.txt", "messages/cpython-email/msg_02.txt"} {
		if raw, err := readSeed(p); err == nil {
			f.Add(raw)
		}
	}
}

// FuzzParse feeds arbitrary messages to the header, URL and token
// readers and checks their limits.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := parseContent(bytes.NewReader(raw), 1<<20)
		if err != nil {
			t.Fatalf("parseContent: %v", err)
		}
		if len(c.urls) > maxURLs {
			t.Fatalf("%d URLs, limit %d", len(c.urls), maxURLs)
		}
		toks := tokenize(c)
		if len(toks) > maxTokens {
			t.Fatalf("%d tokens, limit %d", len(toks), maxTokens)
		}
		seen := map[token]bool{}
		for _, tok := range toks {
			if seen[tok] {
				t.Fatalf("token %x twice", tok)
			}
			seen[tok] = true
		}
		for name, n := range headerFieldNames(raw) {
			if n <= 0 || strings.ContainsAny(name, ":\r\n") {
				t.Fatalf("field name %q counted %d", name, n)
			}
		}
		for _, d := range c.domains(DefaultMaxURIBLDomains) {
			if !validZone(d) {
				t.Fatalf("URL domain %q is not a valid name", d)
			}
		}
	})
}

// FuzzStripHeaders checks that stripped fields are gone from the header
// and that the body passes unchanged.
func FuzzStripHeaders(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte("X-Spam-Flag: YES\r\n\tmore\r\nTo: a\r\n\r\nX-Spam-Flag: body"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := io.ReadAll(StripHeaders(bytes.NewReader(raw), HeaderNames(), 1<<16))
		if err != nil {
			return
		}
		head := headerFieldNames(out)
		for _, n := range HeaderNames() {
			if head[strings.ToLower(n)] > 0 {
				t.Fatalf("%s left in header of %q", n, out)
			}
		}
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 && !bytes.HasSuffix(out, raw[i+2:]) {
			t.Fatalf("body changed: %q -> %q", raw, out)
		}
	})
}
