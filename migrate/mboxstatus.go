package migrate

import (
	"bytes"
	"io"
	"sort"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// statusScanner passes a message through while noting the flags of its
// Status and X-Status header fields, the way mbox readers such as mutt
// and Dovecot record them: Status "R" is read; X-Status "A" answered,
// "F" flagged, "T" draft, "D" deleted.
type statusScanner struct {
	r       io.Reader
	line    []byte
	inBody  bool
	letters map[string]bool
}

// maxStatusLine bounds the header line kept while scanning.
const maxStatusLine = 1000

func newStatusScanner(r io.Reader) *statusScanner {
	return &statusScanner{r: r, letters: map[string]bool{}}
}

func (s *statusScanner) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	for _, c := range p[:n] {
		if s.inBody {
			break
		}
		if c != '\n' {
			if len(s.line) < maxStatusLine {
				s.line = append(s.line, c)
			}
			continue
		}
		s.endLine()
	}
	return n, err
}

// endLine handles one complete header line.
func (s *statusScanner) endLine() {
	line := bytes.TrimRight(s.line, "\r")
	s.line = s.line[:0]
	if len(line) == 0 {
		s.inBody = true
		return
	}
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return
	}
	var table map[byte]string
	switch {
	case bytes.EqualFold(name, []byte("Status")):
		table = map[byte]string{'R': mailstore.KeywordSeen}
	case bytes.EqualFold(name, []byte("X-Status")):
		table = map[byte]string{'A': mailstore.KeywordAnswered,
			'F': mailstore.KeywordFlagged, 'T': mailstore.KeywordDraft,
			'D': mailstore.KeywordDeleted}
	default:
		return
	}
	for _, c := range bytes.TrimSpace(value) {
		if k, ok := table[c]; ok {
			s.letters[k] = true
		}
	}
}

// keywords returns the keywords seen, sorted.
func (s *statusScanner) keywords() []string {
	out := make([]string, 0, len(s.letters))
	for k := range s.letters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
