package sql

import (
	"fmt"
)

// queries are the statements of one space's table, built once.
type queries struct {
	table string
	get   string
	lock  string // read a counter, locking its row
	add   string // add to a counter in one statement, if the engine can
	put   string
	del   string
	scan  [8]string // by scanShape
	// getW and scanW read in write transactions: with MySQL they lock
	// what they read, since InnoDB's plain reads do not see concurrent
	// commits and would let updates be lost.
	getW    string
	scanW   [8]string
	created bool // the table is known to exist
}

// scanShape numbers the eight forms of a paged scan.
func scanShape(start, end, reverse bool) int {
	n := 0
	if start {
		n |= 1
	}
	if end {
		n |= 2
	}
	if reverse {
		n |= 4
	}
	return n
}

func (d *dialect) queries(table string) *queries {
	t := d.ident(table)
	q := &queries{
		table: table,
		get:   fmt.Sprintf("SELECT v FROM %s WHERE k = %s", t, d.param(1)),
		put:   fmt.Sprintf(d.upsert, t, d.params(2)),
		del:   fmt.Sprintf("DELETE FROM %s WHERE k = %s", t, d.param(1)),
	}
	q.lock = q.get + d.forUpdate
	if d.add != "" {
		q.add = fmt.Sprintf(d.add, t)
	}
	q.getW = q.get
	for shape := range q.scan {
		q.scan[shape] = d.scanQuery(t, shape)
		q.scanW[shape] = q.scan[shape]
	}
	if d.lockReads {
		q.getW = q.lock
		for shape := range q.scan {
			q.scanW[shape] += d.forUpdate
		}
	}
	return q
}

// scanQuery builds a scan of at most a LIMIT parameter rows; the bounds
// come first among the parameters.
func (d *dialect) scanQuery(t string, shape int) string {
	s := fmt.Sprintf("SELECT k, v FROM %s", t)
	i := 1
	sep := " WHERE "
	if shape&1 != 0 {
		s += sep + "k >= " + d.param(i)
		i++
		sep = " AND "
	}
	if shape&2 != 0 {
		s += sep + "k < " + d.param(i)
		i++
	}
	if shape&4 != 0 {
		s += " ORDER BY k DESC"
	} else {
		s += " ORDER BY k"
	}
	return s + " LIMIT " + d.param(i)
}
