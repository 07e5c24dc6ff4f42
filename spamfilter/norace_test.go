//go:build !race

package spamfilter

const raceEnabled = false
