package mailstore

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/memory"
)

// FuzzRecords feeds arbitrary bytes to every record decoder: a damaged
// store gives errors, never a panic.
func FuzzRecords(f *testing.F) {
	rec := emailRec{thread: 1, size: 10, keywords: []string{"$seen"},
		links: []mailboxLink{{1, 2}}, subject: "s", from: "f"}
	ent := newEntry(1, 2, &rec)
	mb := mailboxRec{name: "INBOX", role: RoleInbox}
	acct := accountRec{num: 1, maxBytes: 5}
	th := threadRec{baseSubj: "x", members: []threadMember{{1, 2}}}
	for _, b := range [][]byte{rec.encode(), ent.encode(), mb.encode(), acct.encode(),
		th.encode(), {}, {1}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeEmail(b)
		decodeEntry(b)
		decodeMailbox(b)
		decodeAccount(b)
		decodeThread(b)
		var ed entryDecoder
		ed.decode(b)
		var v view
		viewEntry(b, &v)
		hasKw(v.kws, "$seen")
		viewEmail(b, &v, false, nil)
		if v.full != nil {
			inLinks(v.full.links, 1)
		}
		if len(b) >= 21 {
			decodeChangeRow(b[:21], b[21:])
		}
	})
}

// FuzzNames checks the mailbox name, keyword and word parsers: no panic,
// and a normalised name normalises to itself.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"INBOX", "inbox/a", "Trips/Tom&Jerry", "Caf\u00e9", "a//b",
		`\Seen`, "$Junk", "Straße 東京 tokyo", "\xff\xfe", strings.Repeat("x/", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := normalizeName(s); err == nil {
			if again, err := normalizeName(n); err != nil || again != n {
				t.Errorf("normalizeName(%q) = %q, then %q, %v", s, n, again, err)
			}
		}
		if k, err := NormalizeKeyword(s); err == nil {
			if again, err := NormalizeKeyword(k); err != nil || again != k {
				t.Errorf("NormalizeKeyword(%q) = %q, then %q, %v", s, k, again, err)
			}
		}
		for _, w := range queryWords(newFolder(), s) {
			if w == "" || len(w) > 4*maxTermLen {
				t.Errorf("queryWords(%q) gave %q", s, w)
			}
		}
	})
}

// FuzzDeliver stores arbitrary messages, seeded from the corpus: every
// input is delivered, reads back whole and can be searched.
func FuzzDeliver(f *testing.F) {
	for i, p := range corpusPaths(f) {
		if i%8 != 0 { // a sample keeps the seed run short
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Subject: no body"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		fx := newFixtureOn(t, memory.New(), memory.NewBlobs(), Options{})
		ds, err := fx.Deliver(fx.ctx, bytes.NewReader(raw), time.Time{},
			[]Recipient{{Account: fx.acct}})
		if err != nil || ds[0].Err != nil {
			t.Fatalf("Deliver = %v, %v", ds, err)
		}
		checkStored(t, fx, "input", raw, ds[0].EmailID)
		q := Query{Filter: &Filter{Text: string(raw[:min(len(raw), 40)])},
			Sort: []Comparator{{Key: SortSubject}, {Key: SortFrom}}}
		if _, err := fx.Query(fx.ctx, fx.acct, q); err != nil {
			t.Errorf("Query: %v", err)
		}
	})
}
