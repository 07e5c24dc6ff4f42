package mailstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkIndexClean fails the test when CheckIndex finds a problem.
func checkIndexClean(t *testing.T, f *fixture) IndexReport {
	t.Helper()
	r, err := f.CheckIndex(f.ctx, f.acct)
	if err != nil {
		t.Fatalf("CheckIndex: %v", err)
	}
	if len(r.Problems) > 0 {
		t.Fatalf("CheckIndex: %d emails, problems:\n%v", r.Emails, r.Problems)
	}
	return r
}

// textHits returns, in order, the emails a Text or Subject query finds.
func textHits(t *testing.T, f *fixture, filter *Filter) []EmailID {
	t.Helper()
	res, err := f.Query(f.ctx, f.acct, Query{Filter: filter})
	if err != nil {
		t.Fatalf("Query(%+v): %v", filter, err)
	}
	slices.Sort(res.IDs)
	return res.IDs
}

// TestFullTextAcrossMerges searches while emails move from pending to
// merged postings and are destroyed on either side of a merge.
func TestFullTextAcrossMerges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		const n = 3*mergeEvery + 17
		ids := make([]EmailID, n)
		for i := range ids {
			body := fmt.Sprintf("From: bob@example.org\r\nSubject: topic%d common\r\n"+
				"\r\nunique%dword shared\r\n", i%7, i)
			ids[i] = f.appendMsg(f.inbox, body).EmailID
		}
		r := checkIndexClean(t, f)
		if r.Emails != n || r.Pending == 0 || r.Pending >= mergeEvery {
			t.Fatalf("report %+v: want %d emails, some but fewer than %d pending",
				r, n, mergeEvery)
		}
		for _, i := range []int{0, 5, mergeEvery - 1, mergeEvery, n - 1} {
			got := textHits(t, f, &Filter{Text: fmt.Sprintf("unique%dword", i)})
			if !slices.Equal(got, []EmailID{ids[i]}) {
				t.Errorf("unique%dword found %v, want %v", i, got, ids[i])
			}
		}
		if got := textHits(t, f, &Filter{Body: "shared"}); len(got) != n {
			t.Errorf("body shared: %d hits, want %d", len(got), n)
		}
		if got := textHits(t, f, &Filter{Body: "topic3"}); len(got) != 0 {
			t.Errorf("topic3 is in the subject, body search found %d", len(got))
		}
		want3 := 0
		for i := range n {
			if i%7 == 3 {
				want3++
			}
		}
		if got := textHits(t, f, &Filter{Subject: "topic3"}); len(got) != want3 {
			t.Errorf("subject topic3: %d hits, want %d", len(got), want3)
		}

		// Destroy a merged email and a pending one.
		for _, i := range []int{3, n - 2} {
			if err := f.DestroyEmail(f.ctx, f.acct, ids[i]); err != nil {
				t.Fatal(err)
			}
			if got := textHits(t, f, &Filter{Text: fmt.Sprintf("unique%dword", i)}); len(got) != 0 {
				t.Errorf("destroyed email %d still found: %v", i, got)
			}
		}
		checkIndexClean(t, f)
		st, err := f.Purge(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Indexed == 0 {
			t.Errorf("Purge merged nothing: %+v", st)
		}
		r = checkIndexClean(t, f)
		if r.Pending != 0 || r.Emails != n-2 {
			t.Errorf("after Purge: %+v, want %d emails, none pending", r, n-2)
		}
		if got := textHits(t, f, &Filter{Body: "shared"}); len(got) != n-2 {
			t.Errorf("body shared after purge: %d hits, want %d", len(got), n-2)
		}
		checkConsistency(t, f)
	})
}

// TestMergeChunkModel applies random updates to a chunk and compares it
// with a map.
func TestMergeChunkModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		c := uint32(rng.IntN(5))
		base := uint64(c) << chunkBits
		model := map[uint64]byte{}
		var enc []byte
		for range 5 {
			var ups []posting
			for e := base; e < base+1<<chunkBits; e += uint64(1 + rng.IntN(300)) {
				f := byte(rng.IntN(16))
				ups = append(ups, posting{e, f})
				if f == 0 {
					delete(model, e)
				} else {
					model[e] = f
				}
			}
			var err error
			if enc, err = mergeChunk(enc, c, ups); err != nil {
				t.Fatal(err)
			}
		}
		got := map[uint64]byte{}
		prev := uint64(0)
		if err := decodeChunk(enc, c, func(e uint64, f byte) {
			if e <= prev && len(got) > 0 {
				t.Fatalf("round %d: emails out of order: %d after %d", round, e, prev)
			}
			prev = e
			got[e] = f
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(model) {
			t.Fatalf("round %d: %d postings, want %d", round, len(got), len(model))
		}
		for e, f := range model {
			if got[e] != f {
				t.Fatalf("round %d: email %d fields %b, want %b", round, e, got[e], f)
			}
		}
	}
}

func TestDocTermsRoundTrip(t *testing.T) {
	in := map[string]byte{"straße": fieldBody, "strasse": fieldSubject,
		"str": fieldBody | fieldAddress, "東": fieldBody, "zz": fieldAttach}
	got := map[string]byte{}
	if err := decodeDocTerms(encodeDocTerms(in), func(t []byte, f byte) {
		got[string(t)] = f
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(in) {
		t.Errorf("round trip %v, want %v", got, in)
	}
}

// FuzzIndexRecords decodes arbitrary stored index records: they must
// fail cleanly, never panic.
func FuzzIndexRecords(f *testing.F) {
	f.Add(encodeDocTerms(map[string]byte{"hello": 1, "help": 3}), uint32(0))
	f.Add(encodeChunk(1, []posting{{4096, 1}, {4100, 15}}), uint32(1))
	f.Fuzz(func(t *testing.T, b []byte, c uint32) {
		_ = decodeDocTerms(b, func([]byte, byte) {})
		_ = decodeChunk(b, c, func(uint64, byte) {})
		if v, err := mergeChunk(b, c, []posting{{uint64(c)<<chunkBits + 1, 2}}); err == nil {
			if err := decodeChunk(v, c, func(uint64, byte) {}); err != nil {
				t.Fatalf("merged chunk does not decode: %v", err)
			}
		}
	})
}

// TestStemmedSearch finds the words of a stem only when the filter asks
// for it, before and after the postings are merged.
func TestStemmedSearch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, f *fixture) {
		bodies := []string{"The reports were filed.", "Reporting daily.", "One report.",
			"A repo.", "Connection connected; connecting."}
		ids := make([]EmailID, len(bodies))
		for i, b := range bodies {
			ids[i] = f.appendMsg(f.inbox, "Subject: s\r\n\r\n"+b+"\r\n").EmailID
		}
		check := func(stage string) {
			t.Helper()
			tests := []struct {
				filter *Filter
				want   []EmailID
			}{
				{&Filter{Body: "reporting"}, []EmailID{ids[1]}},
				{&Filter{Body: "reporting", Stemmed: true}, ids[:3]},
				{&Filter{Text: "REPORTS", Stemmed: true}, ids[:3]},
				{&Filter{Body: "report", Stemmed: true}, ids[:3]},
				{&Filter{Body: "connections", Stemmed: true}, ids[4:]},
				{&Filter{Body: "repos", Stemmed: true}, ids[3:4]},
				{&Filter{Body: "repository", Stemmed: true}, nil},
			}
			for _, tc := range tests {
				got := textHits(t, f, tc.filter)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: body %q text %q stemmed %v found %v, want %v", stage,
						tc.filter.Body, tc.filter.Text, tc.filter.Stemmed, got, want)
				}
			}
		}
		check("pending")
		if _, err := f.Purge(f.ctx); err != nil {
			t.Fatal(err)
		}
		check("merged")
		checkIndexClean(t, f)
	})
}

func TestStemLanguages(t *testing.T) {
	if _, err := newStemmer("klingon"); err == nil {
		t.Error("newStemmer(klingon) succeeded")
	}
	st, err := newStemmer("none")
	if err != nil || st.stem("reporting") != "" {
		t.Errorf("none: %v, %q", err, st.stem("reporting"))
	}
	fr, _ := newStemmer("french")
	if s := fr.stem("continuellement"); s == "" || s == "continuellement" {
		t.Errorf("french stem of continuellement = %q", s)
	}
	en, _ := newStemmer("english")
	for _, w := range []string{"abc", "r2d2", "東京都庁"} {
		if s := en.stem(w); s != "" {
			t.Errorf("stem(%q) = %q, want none", w, s)
		}
	}
}
