package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/smtp/client/clienttest"
	"github.com/emersion/go-message"
)

const eightBitMultipart = "From: fay@example.com\r\nTo: gus@example.net\r\nSubject: hi\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
	"preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n.dot line\r\n" +
	"--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
	"\xff\xfe\x00bin\r\n--b1\r\nContent-Type: text/plain\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b1--\r\n"

func TestDowngrade(t *testing.T) {
	s := start(t, &clienttest.Server{Extensions: []string{"CHUNKING"}})
	d := New(Options{DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
	m := msg(eightBitMultipart, "gus@example.net")
	m.EightBit = true
	if _, err := d.Deliver(context.Background(), "example.net", m); err != nil {
		t.Fatalf("Deliver = %v", err)
	}
	got := s.Messages()[0]
	if got.Chunked || got.MailParams != "" {
		t.Errorf("chunked=%v params=%q, want DATA without BODY or SIZE",
			got.Chunked, got.MailParams)
	}
	for i, c := range got.Data {
		if c >= 0x80 || c == 0 {
			t.Fatalf("byte %d is %#x after conversion:\n%s", i, c, got.Data)
		}
	}
	e, err := message.Read(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	mr := e.MultipartReader()
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		bodies = append(bodies, string(b))
	}
	want := []string{"Grüße aus Köln\r\n.dot line", "\xff\xfe\x00bin", "hello"}
	if len(bodies) != 3 {
		t.Fatalf("parts %q, want 3", bodies)
	}
	for i := range want {
		if strings.TrimRight(bodies[i], "\r\n") != want[i] {
			t.Errorf("part %d = %q, want %q", i, bodies[i], want[i])
		}
	}
}

func TestDowngradeRefusesEightBitHeader(t *testing.T) {
	s := start(t, &clienttest.Server{})
	d := New(Options{DefaultRelay: &Relay{Host: "127.0.0.1:" + itoa(s.Port())}})
	m := msg("From: fay@example.com\r\nSubject: Grüße\r\n\r\nbody\r\n", "gus@example.net")
	m.EightBit = true
	_, err := d.Deliver(context.Background(), "example.net", m)
	if !errors.Is(err, ErrNo8BitMIME) || Temporary(err) {
		t.Fatalf("Deliver = %v, want permanent ErrNo8BitMIME", err)
	}
	if len(s.Messages()) != 0 {
		t.Error("the server took a partial message")
	}
}

func FuzzDowngrade(f *testing.F) {
	files, _ := filepath.Glob("../../../shared/testdata/messages/stalwart-mail-parser/eml/*/*")
	mime4j, _ := filepath.Glob("../../../shared/testdata/messages/mime4j/testmsgs/*.msg")
	for _, name := range append(files[:min(len(files), 40)], mime4j[:min(len(mime4j), 40)]...) {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(string(b))
		}
	}
	f.Add(eightBitMultipart)
	f.Add(testBody)
	f.Add("Content-Type: message/rfc822\r\n\r\nContent-Type: text/plain\r\n\r\nx\xff\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		rc := downgrade(strings.NewReader(s))
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return
		}
		for _, c := range b {
			if c >= 0x80 {
				t.Fatalf("8-bit byte left in %q", b)
			}
		}
	})
}
