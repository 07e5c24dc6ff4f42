package msgparse

import (
	"strconv"
	"strings"
	"time"
)

var monthNames = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// zoneNames are the zones of RFC 5322 section 4.3, in minutes east of UTC.
var zoneNames = map[string]int{
	"ut": 0, "utc": 0, "gmt": 0, "z": 0,
	"edt": -4 * 60, "est": -5 * 60, "cdt": -5 * 60, "cst": -6 * 60,
	"mdt": -6 * 60, "mst": -7 * 60, "pdt": -7 * 60, "pst": -8 * 60,
	"cet": 60, "cest": 120, "bst": 60, "met": 60, "eet": 120,
}

// ParseDate reads an RFC 5322 date-time (section 3.3) leniently: the day
// name and seconds are optional, comments are ignored, two- and
// three-digit years follow section 4.3, named and military zones are read
// (military ones as UTC, as section 4.3 advises), missing zones are UTC,
// and the fields may come in the common wrong orders ("Dec 3 2026",
// ISO 8601 dates). It reports false when no date can be made.
func ParseDate(s string) (time.Time, bool) {
	// A Received field's date follows its last semicolon.
	if i := strings.LastIndexByte(s, ';'); i >= 0 {
		s = s[i+1:]
	}
	f := dateFields{day: -1, year: -1, hour: -1}
	for _, t := range dateTokens(stripComments(s)) {
		f.add(t)
	}
	return f.time()
}

// dateFields gathers the fields of a date as its tokens are read.
type dateFields struct {
	day, year, hour, min, sec int
	month                     time.Month
	zone                      int // minutes east of UTC
}

func (f *dateFields) add(t string) {
	if t == "" {
		return
	}
	switch {
	case strings.Contains(t, ":") && f.hour < 0:
		f.hour, f.min, f.sec = parseClock(t)
	case strings.Count(t, "-") == 2 && len(t) >= 8 && isDigit(t[0]):
		f.year, f.month, f.day = parseISODate(t)
	case (t[0] == '+' || t[0] == '-') && len(t) >= 3:
		f.zone = parseOffset(t[1:], t[0] == '-')
	case isDigit(t[0]):
		n, err := strconv.Atoi(t)
		if err != nil {
			return
		}
		switch {
		case f.day < 0 && n >= 1 && n <= 31 && len(t) <= 2:
			f.day = n
		case f.month == 0 && f.year < 0 && n >= 1 && n <= 12 && len(t) <= 2:
			f.month = time.Month(n) // a numeric month: "20 11 79"
		case f.year < 0:
			f.year = fixYear(n, len(t))
		}
	default:
		lt := strings.ToLower(t)
		if m, ok := monthNames[prefix3(lt)]; ok && f.month == 0 {
			f.month = m
		} else if z, ok := zoneNames[lt]; ok {
			f.zone = z
		} else if len(lt) > 3 && isDigit(lt[3]) {
			// POSIX-style "EST5EDT": the standard zone's name leads.
			if z, ok := zoneNames[lt[:3]]; ok {
				f.zone = z
			}
		}
	}
}

// time checks the fields and makes the time; a missing time of day is
// midnight, a leap second is the second before.
func (f *dateFields) time() (time.Time, bool) {
	if f.day < 0 || f.month == 0 || f.year < 0 {
		return time.Time{}, false
	}
	if f.hour < 0 {
		f.hour = 0
	}
	if f.hour > 23 || f.min > 59 || f.sec > 60 || f.day > 31 {
		return time.Time{}, false
	}
	loc := time.FixedZone("", f.zone*60)
	t := time.Date(f.year, f.month, f.day, f.hour, f.min, min(f.sec, 59), 0, loc)
	if t.Day() != f.day {
		return time.Time{}, false
	}
	return t, true
}

func prefix3(s string) string {
	if len(s) > 3 {
		return s[:3]
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// dateTokens splits at white space and commas, and splits a zone glued to
// the time ("10:00:00+0100").
func dateTokens(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'
	})
	var out []string
	for _, t := range f {
		if i := strings.IndexAny(t, "+-"); i > 0 && strings.Contains(t[:i], ":") {
			out = append(out, t[:i], t[i:])
			continue
		}
		if i := strings.IndexByte(t, 'T'); i == 10 && isDigit(t[0]) {
			out = append(out, t[:i], t[i+1:])
			continue
		}
		out = append(out, t)
	}
	return out
}

// parseClock reads "hh:mm" or "hh:mm:ss"; a bad field gives hour 99.
func parseClock(t string) (h, m, s int) {
	parts := strings.Split(t, ":")
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if len(parts) > 2 {
		sp, _, _ := strings.Cut(parts[2], ".")
		s, _ = strconv.Atoi(sp)
	}
	if err1 != nil || err2 != nil {
		return 99, 0, 0
	}
	return h, m, s
}

func parseISODate(t string) (int, time.Month, int) {
	p := strings.Split(t, "-")
	y, _ := strconv.Atoi(p[0])
	mo, _ := strconv.Atoi(p[1])
	d, _ := strconv.Atoi(p[2])
	if mo < 1 || mo > 12 {
		return -1, 0, -1
	}
	return y, time.Month(mo), d
}

// parseOffset reads "hhmm" (or "hh:mm", "hh") as minutes.
func parseOffset(t string, neg bool) int {
	t = strings.ReplaceAll(t, ":", "")
	if len(t) == 2 {
		t += "00"
	}
	if len(t) != 4 {
		return 0
	}
	n, err := strconv.Atoi(t)
	if err != nil || n%100 > 59 || n/100 > 23 {
		return 0
	}
	off := n/100*60 + n%100
	if neg {
		off = -off
	}
	return off
}

// fixYear applies RFC 5322 section 4.3 to two- and three-digit years.
func fixYear(n, digits int) int {
	switch {
	case digits <= 2 && n < 50:
		return 2000 + n
	case digits <= 2:
		return 1900 + n
	case digits == 3:
		return 1900 + n
	}
	return n
}
