package wire

import (
	"sort"
	"strconv"
	"strings"
)

// Range is one element of a sequence set; 0 stands for "*" (the largest
// number in use).
type Range struct{ Start, Stop uint32 }

// SeqSet is a parsed sequence set (RFC 9051 section 9, "sequence-set").
// Saved is set for "$", the result saved by SEARCHRES (RFC 5182).
type SeqSet struct {
	Ranges []Range
	Saved  bool
}

// ParseSeqSet parses a sequence set such as "1:4,7,9:*" or "$".
func ParseSeqSet(s string) (SeqSet, error) {
	if s == "$" {
		return SeqSet{Saved: true}, nil
	}
	if s == "" {
		return SeqSet{}, syntaxf("empty sequence set")
	}
	var set SeqSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := parseSeqNum(lo)
		if err != nil {
			return SeqSet{}, err
		}
		b := a
		if isRange {
			if b, err = parseSeqNum(hi); err != nil {
				return SeqSet{}, err
			}
		}
		set.Ranges = append(set.Ranges, Range{a, b})
	}
	return set, nil
}

func parseSeqNum(s string) (uint32, error) {
	if s == "*" {
		return 0, nil
	}
	if s == "" || s[0] == '0' {
		return 0, syntaxf("invalid sequence number %q", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, syntaxf("invalid sequence number %q", s)
	}
	return uint32(n), nil
}

// Contains reports whether n is in the set, with max standing for "*".
func (s SeqSet) Contains(n, max uint32) bool {
	for _, r := range s.Ranges {
		a, b := r.resolve(max)
		if n >= a && n <= b {
			return true
		}
	}
	return false
}

// Bounds returns the range as lo <= hi, with max standing for "*".
func (r Range) Bounds(max uint32) (lo, hi uint32) { return r.resolve(max) }

func (r Range) resolve(max uint32) (uint32, uint32) {
	a, b := r.Start, r.Stop
	if a == 0 {
		a = max
	}
	if b == 0 {
		b = max
	}
	if a > b {
		a, b = b, a
	}
	return a, b
}

// Expand lists the numbers of the set that are within 1..max, ascending
// and without duplicates.
func (s SeqSet) Expand(max uint32) []uint32 {
	var out []uint32
	for _, r := range s.Ranges {
		a, b := r.resolve(max)
		if a == 0 {
			continue
		}
		if b > max {
			b = max
		}
		for n := a; n <= b && n != 0; n++ {
			out = append(out, n)
			if n == b {
				break
			}
		}
	}
	return SortUnique(out)
}

// SelectUIDs returns the members of uids (ascending) that are in the set,
// with "*" standing for the largest UID (RFC 9051 section 6.4.9).
func (s SeqSet) SelectUIDs(uids []uint32) []uint32 {
	if len(uids) == 0 {
		return nil
	}
	max := uids[len(uids)-1]
	var out []uint32
	for _, r := range s.Ranges {
		a, b := r.resolve(max)
		i := sort.Search(len(uids), func(i int) bool { return uids[i] >= a })
		for ; i < len(uids) && uids[i] <= b; i++ {
			out = append(out, uids[i])
		}
	}
	if len(s.Ranges) > 1 {
		out = SortUnique(out)
	}
	return out
}

// SortUnique sorts ns ascending and removes duplicates in place.
func SortUnique(ns []uint32) []uint32 {
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	out := ns[:0]
	for i, n := range ns {
		if i == 0 || n != ns[i-1] {
			out = append(out, n)
		}
	}
	return out
}

// FormatSet writes ns (any order) in the compact form "1:3,5".
func FormatSet(ns []uint32) string {
	if len(ns) == 0 {
		return ""
	}
	sorted := SortUnique(append([]uint32(nil), ns...))
	return formatRuns(sorted)
}

// FormatList writes ns in the order given, joining consecutive runs; used
// where order matters (COPYUID pairs).
func FormatList(ns []uint32) string { return formatRuns(ns) }

func formatRuns(ns []uint32) string {
	var sb strings.Builder
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatUint(uint64(ns[i]), 10))
		if j > i {
			sb.WriteByte(':')
			sb.WriteString(strconv.FormatUint(uint64(ns[j]), 10))
		}
		i = j + 1
	}
	return sb.String()
}
