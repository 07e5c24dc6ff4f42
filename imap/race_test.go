//go:build race

package imap

// raceEnabled shrinks the largest fixtures under the race detector, which
// slows the store about tenfold.
const raceEnabled = true
