package spamfilter

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Action is what the host should do with a message.
type Action int

const (
	// ActionAccept delivers the message as usual.
	ActionAccept Action = iota
	// ActionJunk delivers the message into the recipient's Junk mailbox
	// (RFC 6154 \Junk) and marks it with X-Spam-Flag.
	ActionJunk
	// ActionReject refuses the message: "550 5.7.1" over SMTP.
	ActionReject
)

// String returns "accept", "junk" or "reject".
func (a Action) String() string {
	switch a {
	case ActionJunk:
		return "junk"
	case ActionReject:
		return "reject"
	}
	return "accept"
}

// Hit is one symbol that fired.
type Hit struct {
	// Name is the symbol, such as SymSPFFail or a DNSBL zone's symbol.
	Name string
	// Score is what it added to the message's score.
	Score float64
	// Description says in words why it fired.
	Description string
}

// Verdict is the filter's judgement of one message.
type Verdict struct {
	// Score is the sum of the scores of Hits, rounded to hundredths.
	Score float64
	// Hits lists the symbols that fired, highest score first.
	Hits []Hit
	// Action follows from Score and the thresholds.
	Action Action
	// Thresholds are those the action was taken with.
	Thresholds Thresholds
	// BayesProbability is the classifier's spam probability in [0, 1],
	// or -1 when it did not score (too little training).
	BayesProbability float64
}

// Has reports whether the symbol fired.
func (v *Verdict) Has(name string) bool {
	for _, h := range v.Hits {
		if h.Name == name {
			return true
		}
	}
	return false
}

// Header field names written by the host for a verdict.
const (
	// HeaderStatus carries "Yes" or "No", the score, the Junk threshold,
	// the action and the symbols, in the style SpamAssassin made common:
	//   X-Spam-Status: Yes, score=7.50 required=6.00 action=junk
	//     tests=BAYES_SPAM(5.00),SUBJECT_ALL_CAPS(1.50)
	HeaderStatus = "X-Spam-Status"
	// HeaderScore carries the score alone, as a decimal number, for
	// Sieve's spamtest (RFC 5235) and mail clients.
	HeaderScore = "X-Spam-Score"
	// HeaderFlag is "YES" on messages at or above the Junk threshold.
	HeaderFlag = "X-Spam-Flag"
)

// HeaderNames returns the fields a verdict writes. A host removes fields of
// these names from received messages so that senders cannot forge them.
func HeaderNames() []string { return []string{HeaderStatus, HeaderScore, HeaderFlag} }

// StatusHeader returns the value of the X-Spam-Status field, folded so
// that no line passes 78 characters (RFC 5322, section 2.1.1).
func (v *Verdict) StatusHeader() string {
	yes := "No"
	if v.Action != ActionAccept {
		yes = "Yes"
	}
	var b strings.Builder
	b.WriteString(yes + ", score=" + formatScore(v.Score))
	b.WriteString(" required=" + formatScore(v.Thresholds.Junk))
	b.WriteString(" action=" + v.Action.String())
	b.WriteString("\r\n\ttests=")
	line := len("\ttests=")
	for i, h := range v.Hits {
		item := h.Name + "(" + formatScore(h.Score) + ")"
		if i > 0 {
			item = "," + item
		}
		if line+len(item) > 76 && i > 0 {
			b.WriteString(",\r\n\t")
			item = item[1:]
			line = 1
		}
		b.WriteString(item)
		line += len(item)
	}
	if len(v.Hits) == 0 {
		b.WriteString("none")
	}
	return b.String()
}

// ScoreHeader returns the value of the X-Spam-Score field.
func (v *Verdict) ScoreHeader() string { return formatScore(v.Score) }

func formatScore(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// finish sums the hits, orders them and picks the action.
func (v *Verdict) finish(t Thresholds) {
	v.Thresholds = t
	sum := 0.0
	for _, h := range v.Hits {
		sum += h.Score
	}
	v.Score = math.Round(sum*100) / 100
	sort.SliceStable(v.Hits, func(i, j int) bool {
		if v.Hits[i].Score != v.Hits[j].Score {
			return v.Hits[i].Score > v.Hits[j].Score
		}
		return v.Hits[i].Name < v.Hits[j].Name
	})
	switch {
	case v.Score >= t.Reject:
		v.Action = ActionReject
	case v.Score >= t.Junk:
		v.Action = ActionJunk
	default:
		v.Action = ActionAccept
	}
}
