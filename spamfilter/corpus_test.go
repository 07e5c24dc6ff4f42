package spamfilter

import "testing"

// TestBayesCorpus trains the classifier on the training half of the
// SpamAssassin public corpus in the shared test data and classifies the
// held-out half. Under -short or the race detector it uses every fourth
// message.
func TestBayesCorpus(t *testing.T) {
	step, maxFP := 1, 0.02
	if testing.Short() || raceEnabled {
		step, maxFP = 4, 0.04
	}
	f := newFilter(t, Options{})
	for _, class := range []string{"ham", "spam"} {
		for i, p := range corpusFiles(t, "spam/train/"+class) {
			if i%step == 0 {
				train(t, f, "", readFile(t, p), class == "spam")
			}
		}
	}
	var hamOK, hamN, spamOK, spamN, sure int
	for _, class := range []string{"ham", "spam"} {
		for i, p := range corpusFiles(t, "spam/test/"+class) {
			if i%step != 0 {
				continue
			}
			v := check(t, f, readFile(t, p), Input{})
			spam := v.BayesProbability >= 0.5
			if v.Has(SymBayesSpam) && class == "spam" || v.Has(SymBayesHam) && class == "ham" {
				sure++
			}
			if class == "spam" {
				spamN++
				if spam {
					spamOK++
				}
			} else {
				hamN++
				if !spam {
					hamOK++
				}
			}
		}
	}
	acc := float64(hamOK+spamOK) / float64(hamN+spamN)
	hamErr := 1 - float64(hamOK)/float64(hamN)
	t.Logf("corpus: accuracy %.3f, ham %d/%d, spam %d/%d, false positive rate %.3f, "+
		"symbol fired on the right side for %d", acc, hamOK, hamN, spamOK, spamN, hamErr, sure)
	if acc < 0.95 {
		t.Errorf("accuracy %.3f, want >= 0.95", acc)
	}
	if hamErr > maxFP {
		t.Errorf("false positive rate %.3f, want <= %.2f", hamErr, maxFP)
	}
}
