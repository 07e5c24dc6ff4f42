package msgparse

import (
	"strings"
	"testing"
)

func TestReadFields(t *testing.T) {
	raw := crlf("From: a@b.c\nSubject: one\n two\nX-Empty:\nnot a field\n\nbody\n")
	m := mustParse(t, raw)
	fields, err := m.Root.ReadFields(strings.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{"From", " a@b.c"},
		{"Subject", " one\r\n two"},
		{"X-Empty", ""},
	}
	if len(fields) != len(want) {
		t.Fatalf("ReadFields = %q, want %q", fields, want)
	}
	for i := range want {
		if fields[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, fields[i], want[i])
		}
	}
	short, _ := m.Root.ReadFields(strings.NewReader(raw), 13)
	if len(short) != 1 {
		t.Errorf("ReadFields(max 13) = %q, want the first field only", short)
	}
}
