package mailstore

import (
	"errors"
	"testing"
)

func TestNormalizeNameRefusesPathsAndWildcards(t *testing.T) {
	bad := []string{"..", ".", "INBOX/..", "a/../b", "a/./b", "*", "%", "a*b",
		"Work/%", "", "a//b", "/a", "a/", "tab\tname"}
	for _, name := range bad {
		if _, err := normalizeName(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("normalizeName(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	good := map[string]string{"inbox/x": "INBOX/x", "a.b": "a.b", "...x": "...x",
		"Ünïcode": "Ünïcode", "a..b": "a..b"}
	for in, want := range good {
		if got, err := normalizeName(in); err != nil || got != want {
			t.Errorf("normalizeName(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
}
