//go:build race

package sql_test

func init() { raceEnabled = true }
