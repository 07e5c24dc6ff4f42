package spamfilter

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/bulwarkmail/bulwark/store"
)

// BayesOptions configures the Bayesian classifier.
type BayesOptions struct {
	// Disabled turns the classifier off. It is also off without
	// Options.KV.
	Disabled bool
	// MinSpam and MinHam are the trained spam and ham messages needed
	// before the classifier scores, for an account's own counts and for
	// the shared ones. Default 50 each.
	MinSpam, MinHam uint64
	// SpamProbability is the probability from which BAYES_SPAM fires,
	// HamProbability the one up to which BAYES_HAM fires. Defaults 0.9
	// and 0.1.
	SpamProbability, HamProbability float64
	// MaxTokens bounds the most telling tokens combined per message.
	// Default 150.
	MaxTokens int
}

// Defaults of BayesOptions.
const (
	DefaultBayesMinSpam   = 50
	DefaultBayesMinHam    = 50
	DefaultBayesMaxTokens = 150
)

func (o BayesOptions) withDefaults() BayesOptions {
	if o.MinSpam == 0 {
		o.MinSpam = DefaultBayesMinSpam
	}
	if o.MinHam == 0 {
		o.MinHam = DefaultBayesMinHam
	}
	if o.SpamProbability <= 0 || o.SpamProbability >= 1 {
		o.SpamProbability = 0.9
	}
	if o.HamProbability <= 0 || o.HamProbability >= 1 {
		o.HamProbability = 0.1
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = DefaultBayesMaxTokens
	}
	return o
}

// Robinson's constants: the strength given to the neutral assumption and
// the assumed probability of a token seen rarely. minDeviation leaves out
// tokens that tell little.
const (
	robinsonS    = 1.0
	robinsonX    = 0.5
	minDeviation = 0.1
)

// bayesRules adds BAYES_SPAM or BAYES_HAM when the classifier is trained
// and sure enough. The score grows with the probability, reaching the
// symbol's full score at 0.99 (or 0.01).
func (f *Filter) bayesRules(ctx context.Context, account string, c *content, v *Verdict) error {
	b := f.opts.Bayes
	if f.opts.KV == nil || b.Disabled {
		return nil
	}
	p, ok, err := f.classify(ctx, account, tokenize(c))
	if err != nil || !ok {
		return err
	}
	v.BayesProbability = p
	desc := "Bayesian spam probability " + strconv.FormatFloat(p, 'f', 3, 64)
	switch {
	case p >= b.SpamProbability:
		f.scaledHit(v, SymBayesSpam, desc, (p-0.5)/0.49)
	case p <= b.HamProbability:
		f.scaledHit(v, SymBayesHam, desc, (0.5-p)/0.49)
	}
	return nil
}

func (f *Filter) scaledHit(v *Verdict, name, desc string, scale float64) {
	info, ok := f.symbols[name]
	if !ok {
		return
	}
	score := math.Round(info.score*min(scale, 1)*100) / 100
	v.Hits = append(v.Hits, Hit{Name: name, Score: score, Description: desc})
}

// classify returns the spam probability of a message's tokens, with ok
// false when neither the account nor the shared counts are trained
// enough.
func (f *Filter) classify(ctx context.Context, account string,
	toks []token) (float64, bool, error) {
	var probs []float64
	ok := false
	err := f.opts.KV.View(ctx, func(tx store.Tx) error {
		scope, tot, enough, err := f.pickScope(tx, account)
		if err != nil || !enough {
			return err
		}
		ok = true
		probs = make([]float64, 0, len(toks))
		for _, t := range toks {
			cnt, err := readCounts(tx, spaceTokens, tokenKey(scope, t))
			if err != nil {
				return err
			}
			if p, use := tokenProbability(cnt, tot); use {
				probs = append(probs, p)
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("classify: %w", err)
	}
	if !ok {
		return 0, false, nil
	}
	return combine(probs, f.opts.Bayes.MaxTokens), true, nil
}

// pickScope chooses the account's own counts when it has trained enough,
// else the shared counts.
func (f *Filter) pickScope(tx store.Tx, account string) (string, counts, bool, error) {
	b := f.opts.Bayes
	scopes := []string{globalScope}
	if account != "" {
		scopes = []string{account, globalScope}
	}
	for _, s := range scopes {
		tot, err := readCounts(tx, spaceTotals, totalsKey(s))
		if err != nil {
			return "", counts{}, false, err
		}
		if tot.spam >= b.MinSpam && tot.ham >= b.MinHam {
			return s, tot, true, nil
		}
	}
	return "", counts{}, false, nil
}

// tokenProbability is Robinson's f(w): the ratio of the token's spam
// frequency to the sum of its spam and ham frequencies, pulled towards
// robinsonX when the token was seen in few messages. use is false for a
// token never seen, or one too close to neutral to tell anything.
func tokenProbability(c, tot counts) (float64, bool) {
	n := c.spam + c.ham
	if n == 0 || tot.spam == 0 || tot.ham == 0 {
		return 0, false
	}
	ps := min(float64(c.spam)/float64(tot.spam), 1)
	ph := min(float64(c.ham)/float64(tot.ham), 1)
	p := ps / (ps + ph)
	fw := (robinsonS*robinsonX + float64(n)*p) / (robinsonS + float64(n))
	return fw, math.Abs(fw-0.5) >= minDeviation
}

// combine joins token probabilities with Fisher's method as Robinson
// proposed: the chi-square probabilities of the product of the spam and
// of the ham probabilities, taking the limit most extreme tokens. The
// result is 0.5 when nothing tells either way.
func combine(probs []float64, limit int) float64 {
	if len(probs) == 0 {
		return 0.5
	}
	sort.Slice(probs, func(i, j int) bool {
		return math.Abs(probs[i]-0.5) > math.Abs(probs[j]-0.5)
	})
	if len(probs) > limit {
		probs = probs[:limit]
	}
	var lnSpam, lnHam float64
	for _, p := range probs {
		p = min(max64(p, 1e-6), 1-1e-6)
		lnHam += math.Log(p)
		lnSpam += math.Log(1 - p)
	}
	n := 2 * len(probs)
	s := 1 - chi2Q(-2*lnSpam, n)
	h := 1 - chi2Q(-2*lnHam, n)
	return (s - h + 1) / 2
}

func max64(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// chi2Q is the probability that a chi-square variable with v (even)
// degrees of freedom exceeds x2.
func chi2Q(x2 float64, v int) float64 {
	m := x2 / 2
	term := math.Exp(-m)
	sum := term
	for i := 1; i < v/2; i++ {
		term *= m / float64(i)
		sum += term
	}
	return min(sum, 1)
}
