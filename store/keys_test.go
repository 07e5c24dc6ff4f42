package store_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/store"
)

func TestAppendStringOrder(t *testing.T) {
	strs := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "a\x00", "a\x00\xff",
		"a\x01", "ab", "b", "\xff", "\xff\x00"}
	for i := 1; i < len(strs); i++ {
		a := store.AppendUint32(store.AppendString(nil, strs[i-1]), 0xffffffff)
		b := store.AppendUint32(store.AppendString(nil, strs[i]), 0)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("key of %q sorts after key of %q", strs[i-1], strs[i])
		}
	}
	for _, s := range strs {
		k := store.AppendUint64(store.AppendString([]byte("p"), s), 42)
		got, rest, err := store.ReadString(k[1:])
		if err != nil || got != s {
			t.Fatalf("ReadString(%x) = %q, %v; want %q", k[1:], got, err, s)
		}
		n, rest, err := store.ReadUint64(rest)
		if err != nil || n != 42 || len(rest) != 0 {
			t.Errorf("ReadUint64 after %q = %d, %x, %v", s, n, rest, err)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want []byte }{
		{[]byte("a"), []byte("b")},
		{[]byte{0x61, 0xff}, []byte{0x62}},
		{[]byte{0xff, 0xff}, nil},
		{nil, nil},
	}
	for _, tc := range tests {
		if got := store.PrefixEnd(tc.in); !bytes.Equal(got, tc.want) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tc.in, got, tc.want)
		}
	}
}

func TestReadStringErrors(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("abc"), {'a', 0}, {'a', 0, 7}} {
		if _, _, err := store.ReadString(b); err == nil {
			t.Errorf("ReadString(%x) succeeded", b)
		}
	}
	if _, _, err := store.ReadUint32([]byte{1, 2}); err == nil {
		t.Errorf("ReadUint32(short) succeeded")
	}
}

// FuzzReadString checks that decoding never fails on what was encoded
// and never panics on anything else.
func FuzzReadString(f *testing.F) {
	for _, s := range []string{"", "alice@example.org", "a\x00b", strings.Repeat("\xff", 5)} {
		f.Add([]byte(s))
		f.Add(store.AppendString(nil, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		store.ReadString(b)
		k := store.AppendString(nil, string(b))
		s, rest, err := store.ReadString(k)
		if err != nil || s != string(b) || len(rest) != 0 {
			t.Errorf("round trip of %x: %x, %x, %v", b, s, rest, err)
		}
		if slices.Contains(k[:len(k)-2], 0) && !bytes.Contains(b, []byte{0}) {
			t.Errorf("encoding of %x has a NUL inside", b)
		}
	})
}
