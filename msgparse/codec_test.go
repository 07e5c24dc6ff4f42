package msgparse

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestStoredFormRoundTrip(t *testing.T) {
	m := mustParse(t, crlf(case003)) // mustParse checks the round trip
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	inner := back.Section([]int{2}).Message
	if inner == nil || inner.Subject != "quarterly numbers" ||
		!inner.Date.Equal(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("encapsulated message after decode = %+v", inner)
	}
	if len(back.Attachments) != 1 || back.Attachments[0] != back.Section([]int{2}) {
		t.Errorf("Attachments do not point into the decoded tree")
	}
	appended, _ := m.AppendBinary([]byte("prefix"))
	if !bytes.Equal(appended[6:], b) {
		t.Errorf("AppendBinary differs from MarshalBinary")
	}
	if len(b) > 700 {
		t.Errorf("stored form is %d bytes, want it compact", len(b))
	}
}

// TestStoredFormCorrupt checks that every truncation and a wrong version
// give ErrBadEncoding or a wrapped error, never a panic.
func TestStoredFormCorrupt(t *testing.T) {
	m := mustParse(t, crlf(case003))
	b, _ := m.MarshalBinary()
	for n := 0; n < len(b); n++ {
		var out Message
		if err := out.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("UnmarshalBinary(first %d of %d bytes) = nil, want an error", n, len(b))
		}
	}
	bad := append([]byte{99}, b[1:]...)
	var out Message
	if err := out.UnmarshalBinary(bad); !errors.Is(err, ErrBadEncoding) {
		t.Errorf("UnmarshalBinary(version 99) = %v, want ErrBadEncoding", err)
	}
	huge := []byte{codecVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	if err := out.UnmarshalBinary(huge); err == nil {
		t.Errorf("UnmarshalBinary(huge varint) = nil, want an error")
	}
}

func TestStoredFormCorpusSize(t *testing.T) {
	var raw, stored int
	for _, f := range corpusFiles(t)[:50] {
		b := readFile(t, f)
		m, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := m.MarshalBinary()
		raw += len(b)
		stored += len(enc)
	}
	t.Logf("stored form: %d bytes for %d bytes of messages", stored, raw)
	if stored > raw {
		t.Errorf("stored form %d bytes exceeds the messages' %d", stored, raw)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	var sb strings.Builder
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sb.Write(b)
	return []byte(sb.String())
}
