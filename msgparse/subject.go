package msgparse

import "strings"

// BaseSubject returns the base subject of RFC 5256 section 2.1, which
// SORT and THREAD (and JMAP threading) compare: a decoded subject with
// white space collapsed, the "(fwd)" trailers and the "Re:", "Fw:",
// "Fwd:" leaders (with their "[blob]" prefixes) removed, and a
// "[Fwd: ...]" wrapper opened. It does not change case.
func BaseSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for {
		// Steps 2 to 5: trailers, then leaders and blobs, until stable.
		for {
			t := strings.TrimSuffix(s, "(fwd)")
			t = strings.TrimSuffix(t, "(FWD)")
			t = strings.TrimSuffix(t, "(Fwd)")
			t = strings.TrimRight(t, " ")
			if t == s {
				break
			}
			s = t
		}
		for {
			t := stripLeader(s)
			if t == s {
				break
			}
			s = t
		}
		// Step 6: "[fwd:" subject "]".
		if len(s) > 6 && strings.EqualFold(s[:5], "[fwd:") && s[len(s)-1] == ']' {
			s = strings.TrimSpace(s[5 : len(s)-1])
			continue
		}
		return s
	}
}

// stripLeader removes one subj-leader (a "Re:"-like refwd with optional
// blobs) or one leading subj-blob that does not leave the subject empty.
func stripLeader(s string) string {
	s = strings.TrimLeft(s, " ")
	if t, ok := cutRefwd(s); ok {
		return t
	}
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j > 0 && !strings.ContainsAny(s[1:j], "[") {
			if t := strings.TrimLeft(s[j+1:], " "); t != "" {
				return t
			}
		}
	}
	return s
}

// cutRefwd removes subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
func cutRefwd(s string) (string, bool) {
	var n int
	switch {
	case hasPrefixFold(s, "re"):
		n = 2
	case hasPrefixFold(s, "fwd"):
		n = 3
	case hasPrefixFold(s, "fw"):
		n = 2
	default:
		return s, false
	}
	rest := strings.TrimLeft(s[n:], " \t")
	if strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 || strings.ContainsAny(rest[1:j], "[") {
			return s, false
		}
		rest = strings.TrimLeft(rest[j+1:], " \t")
	}
	if !strings.HasPrefix(rest, ":") {
		return s, false
	}
	return strings.TrimLeft(rest[1:], " "), true
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
