package spamfilter

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store"
)

var (
	hamWords = strings.Fields(`meeting project report schedule lunch review
		code budget team deadline agenda notes draft release quarterly customer
		feedback design architecture database migration invoice attached minutes
		conference travel holiday family weekend garden recipe library kernel`)
	spamWords = strings.Fields(`viagra casino winner prize free offer click
		unsubscribe cheap pills loan credit bitcoin lottery urgent million
		inheritance guaranteed discount refinance pharmacy rolex replica
		investment opportunity claim bonus exclusive limited congratulations`)
	sharedWords = strings.Fields(`the and you your please today time email
		information about this that with from have will would there their`)
)

// synthMessage makes a message of 40 words drawn mostly from the class
// vocabulary, partly from words both classes use, and a few from the
// other class.
func synthMessage(r *rand.Rand, spam bool, n int) string {
	own, other := hamWords, spamWords
	if spam {
		own, other = spamWords, hamWords
	}
	pick := func() string {
		switch x := r.IntN(100); {
		case x < 55:
			return own[r.IntN(len(own))]
		case x < 95:
			return sharedWords[r.IntN(len(sharedWords))]
		default:
			return other[r.IntN(len(other))]
		}
	}
	var body []string
	for i := 0; i < 40; i++ {
		body = append(body, pick())
	}
	return cleanMsg().set("Subject", pick()+" "+pick()).
		set("Message-ID", fmt.Sprintf("<%d.%t@example.org>", n, spam)).
		withBody(strings.Join(body, " ") + "\r\n").String()
}

func train(t testing.TB, f *Filter, account, raw string, spam bool) bool {
	t.Helper()
	changed, err := f.Train(context.Background(), account, strings.NewReader(raw), spam)
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return changed
}

func TestBayesSynthetic(t *testing.T) {
	f := newFilter(t, Options{})
	r := rand.New(rand.NewPCG(1, 2))
	n := 0
	for i := 0; i < 60; i++ {
		train(t, f, "alice", synthMessage(r, false, n), false)
		train(t, f, "alice", synthMessage(r, true, n+1), true)
		n += 2
	}
	correct, total := 0, 0
	for i := 0; i < 50; i++ {
		for _, spam := range []bool{false, true} {
			n++
			v := check(t, f, synthMessage(r, spam, n), Input{Account: "alice"})
			if v.BayesProbability < 0 {
				t.Fatalf("classifier did not score after training")
			}
			total++
			if (v.BayesProbability >= 0.5) == spam {
				correct++
			}
			if spam && !v.Has(SymBayesSpam) || !spam && !v.Has(SymBayesHam) {
				t.Logf("spam=%t probability %.3f symbols %v", spam, v.BayesProbability,
					symbolNames(v))
			}
		}
	}
	acc := float64(correct) / float64(total)
	t.Logf("synthetic accuracy %.3f (%d/%d)", acc, correct, total)
	if acc < 0.95 {
		t.Errorf("accuracy %.3f, want >= 0.95", acc)
	}
}

func TestBayesMinimumTraining(t *testing.T) {
	f := newFilter(t, Options{Bayes: BayesOptions{MinSpam: 5, MinHam: 5}})
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 4; i++ {
		train(t, f, "alice", synthMessage(r, true, i), true)
		train(t, f, "alice", synthMessage(r, false, i), false)
	}
	v := check(t, f, synthMessage(r, true, 100), Input{Account: "alice"})
	if v.BayesProbability != -1 {
		t.Errorf("probability %.3f with 4 of 5 trainings, want -1", v.BayesProbability)
	}
	train(t, f, "alice", synthMessage(r, true, 5), true)
	train(t, f, "alice", synthMessage(r, false, 5), false)
	for _, account := range []string{"alice", "bob", ""} {
		v := check(t, f, synthMessage(r, true, 101), Input{Account: account})
		if v.BayesProbability < 0 {
			t.Errorf("account %q: classifier did not score with 5 of each", account)
		}
	}
}

func TestTrainUntrain(t *testing.T) {
	f := newFilter(t, Options{})
	ctx := context.Background()
	raw := synthMessage(rand.New(rand.NewPCG(5, 6)), true, 1)
	if !train(t, f, "alice", raw, true) {
		t.Fatal("first Train reported no change")
	}
	if train(t, f, "alice", raw, true) {
		t.Error("second Train as spam reported a change")
	}
	assertTotals(t, f, "alice", counts{1, 0})
	assertTotals(t, f, globalScope, counts{1, 0})
	if !train(t, f, "alice", raw, false) {
		t.Error("Train as ham after spam reported no change")
	}
	assertTotals(t, f, "alice", counts{0, 1})
	assertTotals(t, f, globalScope, counts{0, 1})
	if !train(t, f, "bob", raw, true) {
		t.Error("Train for another account reported no change")
	}
	assertTotals(t, f, globalScope, counts{1, 1})
	for _, acct := range []string{"alice", "bob"} {
		ok, err := f.Untrain(ctx, acct, strings.NewReader(raw))
		if err != nil || !ok {
			t.Fatalf("Untrain(%s) = %t, %v; want true", acct, ok, err)
		}
	}
	ok, err := f.Untrain(ctx, "alice", strings.NewReader(raw))
	if err != nil || ok {
		t.Errorf("Untrain of an untrained message = %t, %v; want false, nil", ok, err)
	}
	assertTotals(t, f, globalScope, counts{0, 0})
	assertEmpty(t, f, spaceTokens)
	assertEmpty(t, f, spaceSeen)

	noKV, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noKV.Train(ctx, "a", strings.NewReader(raw), true); err != ErrNoStore {
		t.Errorf("Train without KV: %v, want ErrNoStore", err)
	}
}

func assertTotals(t *testing.T, f *Filter, scope string, want counts) {
	t.Helper()
	if got := totals(t, f, scope); got != want {
		t.Errorf("totals of %q = %+v, want %+v", scope, got, want)
	}
}

// totals reads the trained message counts of a scope.
func totals(t *testing.T, f *Filter, scope string) counts {
	t.Helper()
	var got counts
	err := f.opts.KV.View(context.Background(), func(tx store.Tx) error {
		var err error
		got, err = readCounts(tx, spaceTotals, totalsKey(scope))
		return err
	})
	if err != nil {
		t.Fatalf("read totals: %v", err)
	}
	return got
}

func assertEmpty(t *testing.T, f *Filter, space store.Space) {
	t.Helper()
	n := 0
	err := f.opts.KV.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(space, store.Range{}, func(k, v []byte) error { n++; return nil })
	})
	if err != nil || n != 0 {
		t.Errorf("space %s holds %d keys (%v), want none", space, n, err)
	}
}

// fakeSource serves messages by email id.
type fakeSource map[mailstore.EmailID]string

func (s fakeSource) Open(_ context.Context, _ string, id mailstore.EmailID,
	_, _ int64) (io.ReadCloser, error) {
	raw, ok := s[id]
	if !ok {
		return nil, mailstore.ErrNotFound
	}
	return io.NopCloser(strings.NewReader(raw)), nil
}

func TestMoved(t *testing.T) {
	f := newFilter(t, Options{})
	ctx := context.Background()
	src := fakeSource{"e1": synthMessage(rand.New(rand.NewPCG(7, 8)), true, 1)}
	steps := []struct {
		from, to string
		changed  bool
		totals   counts
	}{
		{mailstore.RoleInbox, mailstore.RoleJunk, true, counts{1, 0}},
		{mailstore.RoleInbox, mailstore.RoleJunk, false, counts{1, 0}},
		{mailstore.RoleJunk, mailstore.RoleTrash, false, counts{1, 0}},
		{mailstore.RoleJunk, mailstore.RoleInbox, true, counts{0, 1}},
		{mailstore.RoleInbox, mailstore.RoleArchive, false, counts{0, 1}},
		{mailstore.RoleJunk, "", false, counts{0, 1}},
	}
	for i, s := range steps {
		changed, err := f.Moved(ctx, src, "alice", "e1", s.from, s.to)
		if err != nil {
			t.Fatalf("step %d: Moved: %v", i, err)
		}
		if changed != s.changed {
			t.Errorf("step %d: Moved(%q -> %q) changed = %t, want %t",
				i, s.from, s.to, changed, s.changed)
		}
		assertTotals(t, f, "alice", s.totals)
	}
	if _, err := f.Moved(ctx, src, "alice", "missing", "", mailstore.RoleJunk); err == nil {
		t.Error("Moved of a missing email succeeded")
	}
}

func TestCombine(t *testing.T) {
	tests := []struct {
		name  string
		probs []float64
		lo    float64
		hi    float64
	}{
		{"none", nil, 0.5, 0.5},
		{"spammy", []float64{0.99, 0.98, 0.95, 0.9}, 0.95, 1},
		{"hammy", []float64{0.01, 0.02, 0.05, 0.1}, 0, 0.05},
		{"mixed", []float64{0.99, 0.01}, 0.3, 0.7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := combine(append([]float64(nil), tc.probs...), 150)
			if got < tc.lo || got > tc.hi {
				t.Errorf("combine(%v) = %.4f, want in [%v, %v]", tc.probs, got, tc.lo, tc.hi)
			}
		})
	}
}
