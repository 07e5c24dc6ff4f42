package sieve

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

var dateParts = []string{"year", "month", "day", "date", "julian", "hour", "minute",
	"second", "time", "iso8601", "std11", "zone", "weekday"}

func checkDate(c *compiler, n *node, idx int) {
	p, ok := constString(n.args[idx].strs[0])
	if !ok {
		return
	}
	for _, d := range dateParts {
		if strings.EqualFold(p, d) {
			return
		}
	}
	c.errorf(n.args[idx].pos, "the %s test: invalid date part '%s'", n.spec.name, p)
	if v := n.tag("zone"); v != nil {
		if z, ok := constString(v.strs[0]); ok {
			if _, valid := parseZone(z); !valid {
				c.errs.warn(v.pos, "invalid time zone '"+z+"'")
			}
		}
	}
}

// parseZone reads "+hhmm" or "-hhmm", RFC 5260 section 4.
func parseZone(z string) (*time.Location, bool) {
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') || !isDigits(z[1:]) {
		return nil, false
	}
	h, _ := strconv.Atoi(z[1:3])
	m, _ := strconv.Atoi(z[3:])
	if h > 23 || m > 59 {
		return nil, false
	}
	off := (h*60 + m) * 60
	if z[0] == '-' {
		off = -off
	}
	return time.FixedZone(z, off), true
}

func (rt *runtime) zone(n *node) *time.Location {
	if v := n.tag("zone"); v != nil {
		if loc, ok := parseZone(rt.str1(v)); ok {
			return loc
		}
	}
	if rt.env.Location != nil {
		return rt.env.Location
	}
	return time.UTC
}

func evalDate(rt *runtime, n *node) (bool, error) {
	name := rt.str1(n.args[0])
	values := rt.indexed(n, headerValues(rt.hdr, name, false))
	var dates []string
	part := strings.ToLower(rt.str1(n.args[1]))
	for _, v := range values {
		if strings.EqualFold(name, "received") {
			if i := strings.LastIndexByte(v, ';'); i >= 0 {
				v = v[i+1:]
			}
		}
		t, err := mail.ParseDate(strings.TrimSpace(v))
		if err != nil {
			continue
		}
		if !n.has("originalzone") {
			t = t.In(rt.zone(n))
		}
		dates = append(dates, datePart(t, part))
	}
	return rt.matchValues(n, dates)
}

func evalCurrentDate(rt *runtime, n *node) (bool, error) {
	t := rt.now.In(rt.zone(n))
	return rt.matchValues(n, []string{datePart(t, strings.ToLower(rt.str1(n.args[0])))})
}

// datePart formats one date part, RFC 5260 section 4.2.
func datePart(t time.Time, part string) string {
	switch part {
	case "year":
		return fmt.Sprintf("%04d", t.Year())
	case "month":
		return fmt.Sprintf("%02d", int(t.Month()))
	case "day":
		return fmt.Sprintf("%02d", t.Day())
	case "date":
		return t.Format("2006-01-02")
	case "julian":
		// Modified Julian Day: days since 1858-11-17.
		base := time.Date(1858, 11, 17, 0, 0, 0, 0, time.UTC)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return strconv.Itoa(int(d.Sub(base).Hours() / 24))
	case "hour":
		return fmt.Sprintf("%02d", t.Hour())
	case "minute":
		return fmt.Sprintf("%02d", t.Minute())
	case "second":
		return fmt.Sprintf("%02d", t.Second())
	case "time":
		return t.Format("15:04:05")
	case "iso8601":
		return t.Format("2006-01-02T15:04:05-07:00")
	case "std11":
		return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
	case "zone":
		return t.Format("-0700")
	case "weekday":
		return strconv.Itoa(int(t.Weekday()))
	}
	return ""
}
