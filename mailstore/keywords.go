package mailstore

import (
	"fmt"
	"slices"
	"strings"
)

// The keywords with a meaning of their own (RFC 8621 section 4.1.1); each
// stands for an IMAP system flag (RFC 9051 section 2.3.2).
const (
	KeywordSeen     = "$seen"
	KeywordFlagged  = "$flagged"
	KeywordAnswered = "$answered"
	KeywordDraft    = "$draft"
	KeywordDeleted  = "$deleted"
)

var imapSystemFlags = map[string]string{
	`\seen`: KeywordSeen, `\flagged`: KeywordFlagged, `\answered`: KeywordAnswered,
	`\draft`: KeywordDraft, `\deleted`: KeywordDeleted,
}

// NormalizeKeyword returns the stored form of a keyword: an IMAP system
// flag becomes its JMAP keyword (\Seen is "$seen"), and everything is
// lower-cased, since keywords compare case-insensitively (RFC 8621 section
// 4.1.1, RFC 9051 section 2.3.2). It returns ErrInvalidKeyword for other
// flags starting with a backslash (such as \Recent) and for characters
// outside the RFC 8621 keyword syntax.
func NormalizeKeyword(k string) (string, error) {
	lk := strings.ToLower(k)
	if strings.HasPrefix(lk, `\`) {
		if kw, ok := imapSystemFlags[lk]; ok {
			return kw, nil
		}
		return "", fmt.Errorf("keyword %q: %w", k, ErrInvalidKeyword)
	}
	if lk == "" || len(lk) > 255 {
		return "", fmt.Errorf("keyword %q: %w", k, ErrInvalidKeyword)
	}
	for i := 0; i < len(lk); i++ {
		c := lk[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(`(){]%*"\`, c) >= 0 {
			return "", fmt.Errorf("keyword %q: %w", k, ErrInvalidKeyword)
		}
	}
	return lk, nil
}

// IMAPFlag returns the IMAP spelling of a stored keyword: the system flag
// for "$seen", "$flagged", "$answered", "$draft" and "$deleted", the
// keyword itself otherwise.
func IMAPFlag(keyword string) string {
	switch keyword {
	case KeywordSeen:
		return `\Seen`
	case KeywordFlagged:
		return `\Flagged`
	case KeywordAnswered:
		return `\Answered`
	case KeywordDraft:
		return `\Draft`
	case KeywordDeleted:
		return `\Deleted`
	}
	return keyword
}

// MaxKeywords is the most keywords an email may carry; a change that
// would give it more fails with ErrTooManyKeywords and ErrInvalidKeyword.
const MaxKeywords = 256

func checkKeywordCount(kws []string) error {
	if len(kws) > MaxKeywords {
		return fmt.Errorf("%d keywords, limit %d: %w: %w", len(kws), MaxKeywords,
			ErrTooManyKeywords, ErrInvalidKeyword)
	}
	return nil
}

// normalizeKeywords normalises, sorts and de-duplicates a keyword list.
func normalizeKeywords(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, k := range in {
		n, err := NormalizeKeyword(k)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return out, checkKeywordCount(out)
}

// applyKeywords combines a sorted keyword list with normalised ones.
func applyKeywords(have []string, op FlagOp, kws []string) []string {
	switch op {
	case FlagsAdd:
		out := append(slices.Clone(have), kws...)
		slices.Sort(out)
		return slices.Compact(out)
	case FlagsRemove:
		out := make([]string, 0, len(have))
		for _, k := range have {
			if !slices.Contains(kws, k) {
				out = append(out, k)
			}
		}
		return out
	default:
		return slices.Clone(kws)
	}
}

func hasKeyword(kws []string, k string) bool {
	_, ok := slices.BinarySearch(kws, k)
	return ok
}

func seen(kws []string) bool { return hasKeyword(kws, KeywordSeen) }
