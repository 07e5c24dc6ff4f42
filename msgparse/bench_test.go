package msgparse

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// loadCorpus reads every corpus message.
func loadCorpus(b *testing.B) ([][]byte, int64) {
	b.Helper()
	var msgs [][]byte
	var total int64
	for _, name := range corpusFiles(b) {
		raw, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		total += int64(len(raw))
	}
	return msgs, total
}

// BenchmarkParseCorpus parses the whole corpus per iteration; see MB/s
// and the msgs/s metric.
func BenchmarkParseCorpus(b *testing.B) {
	msgs, total := loadCorpus(b)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			if _, err := Parse(bytes.NewReader(raw)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(msgs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// message10K builds a typical 10 KB message: text and HTML alternatives
// and a small base64 attachment.
func message10K() []byte {
	var sb strings.Builder
	sb.WriteString(crlf(`From: "Alice Example" <alice@example.com>
To: Bob <bob@example.org>, =?utf-8?q?J=C3=B6rg?= <jorg@example.net>
Subject: =?utf-8?q?Re=3A_quarterly_r=C3=A9sum=C3=A9?=
Date: Thu, 03 Dec 2026 10:00:00 +0100
Message-ID: <bench@example.com>
In-Reply-To: <prev@example.com>
References: <first@example.com> <prev@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`))
	for sb.Len() < 4000 {
		sb.WriteString("The quick brown fox jumps over the lazy dog, caf=C3=A9 na=C3=AFve.\r\n")
	}
	sb.WriteString("\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	for sb.Len() < 7500 {
		sb.WriteString("<p>The quick brown fox jumps over the lazy dog.</p>\r\n")
	}
	sb.WriteString("</body></html>\r\n--alt--\r\n\r\n--mixed\r\nContent-Type: application/pdf;" +
		" name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n")
	for sb.Len() < 10200 {
		sb.WriteString("JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBS" +
			"L0ZpbHRlci9GbGF0\r\n")
	}
	sb.WriteString("--mixed--\r\n")
	return []byte(sb.String())
}

func BenchmarkParse10K(b *testing.B) {
	raw := message10K()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkParseLarge parses a 50 MB message: a text part and a large
// base64 attachment, streamed from a generator so the input is never
// held whole.
func BenchmarkParseLarge(b *testing.B) {
	const size = 50 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(largeMessage(size)); err != nil {
			b.Fatal(err)
		}
	}
}

// largeMessage returns a reader of a multipart message of about n bytes.
func largeMessage(n int) io.Reader {
	head := crlf("Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\n" +
		"Content-Type: text/plain\n\nhello\n--b\nContent-Type: application/octet-stream\n" +
		"Content-Transfer-Encoding: base64\n\n")
	line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 3)[:76] + "\r\n"
	body := &repeatReader{line: []byte(line), left: n - len(head) - 10}
	return io.MultiReader(strings.NewReader(head), body, strings.NewReader("\r\n--b--\r\n"))
}

// repeatReader yields one line over and over, left bytes in all.
type repeatReader struct {
	line []byte
	pos  int
	left int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:min(len(p), n+r.left)], r.line[r.pos:])
		n += c
		r.left -= c
		r.pos = (r.pos + c) % len(r.line)
	}
	return n, nil
}

// BenchmarkDecodeStored measures UnmarshalBinary of the stored form, as
// IMAP FETCH BODYSTRUCTURE does it, for the 10 KB message and for the
// corpus average.
func BenchmarkDecodeStored(b *testing.B) {
	m, _ := Parse(bytes.NewReader(message10K()))
	enc, _ := m.MarshalBinary()
	b.Run(fmt.Sprintf("10K-%dB", len(enc)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out Message
			if err := out.UnmarshalBinary(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	msgs, _ := loadCorpus(b)
	var encs [][]byte
	var total int
	for _, raw := range msgs {
		m, _ := Parse(bytes.NewReader(raw))
		e, _ := m.MarshalBinary()
		encs = append(encs, e)
		total += len(e)
	}
	b.Run(fmt.Sprintf("corpus-avg%dB", total/len(encs)), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range encs {
				var out Message
				if err := out.UnmarshalBinary(e); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(len(encs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

func BenchmarkEncodeStored(b *testing.B) {
	m, _ := Parse(bytes.NewReader(message10K()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}
