package spamfilter

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/bulwarkmail/bulwark/msgparse"
)

// benchMessages returns messages of the held-out spam corpus, or
// synthetic ones when it is missing.
func benchMessages(b *testing.B) [][]byte {
	var out [][]byte
	for _, class := range []string{"ham", "spam"} {
		for i, p := range corpusFilesOrNil("spam/test/" + class) {
			if i >= 100 {
				break
			}
			if raw, err := readSeed(p); err == nil {
				out = append(out, raw)
			}
		}
	}
	if len(out) == 0 {
		r := rand.New(rand.NewPCG(1, 1))
		for i := 0; i < 100; i++ {
			out = append(out, []byte(synthMessage(r, i%2 == 0, i)))
		}
	}
	return out
}

// BenchmarkCheck scores messages with rules and a trained classifier;
// BenchmarkParse, the peer, only parses them, the least any filter does.
func BenchmarkCheck(b *testing.B) {
	f := newFilter(b, Options{Bayes: BayesOptions{MinSpam: 10, MinHam: 10}})
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 40; i++ {
		train(b, f, "", synthMessage(r, i%2 == 0, i), i%2 == 0)
	}
	msgs := benchMessages(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		raw := msgs[i%len(msgs)]
		if _, err := f.Check(ctx, Input{Message: bytes.NewReader(raw)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkParse(b *testing.B) {
	msgs := benchMessages(b)
	for i := 0; b.Loop(); i++ {
		if _, err := msgparse.Parse(bytes.NewReader(msgs[i%len(msgs)])); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
