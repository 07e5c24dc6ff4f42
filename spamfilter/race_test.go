//go:build race

package spamfilter

// raceEnabled shrinks the corpus test under the race detector, which
// slows tokenizing and the store several times over.
const raceEnabled = true
