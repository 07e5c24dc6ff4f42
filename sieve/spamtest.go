package sieve

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// SpamTestConfig tells spamtest and virustest (RFC 5235) how to read the
// verdicts that the host's scanners wrote into the header.
type SpamTestConfig struct {
	Spam  StatusConfig
	Virus StatusConfig
}

// StatusConfig describes one scanner verdict.
type StatusConfig struct {
	// Header names the field, optionally followed by ':' and a regular
	// expression whose first group extracts the status, such as
	// "X-Spam-Status:score=(-?[0-9.]+)".
	Header string
	// Type is "score" (a number scaled by the maximum), "strlen" (the
	// length of the status, such as "*****") or "text" (Text values).
	Type string
	// MaxValue is the score that counts as certain; MaxHeader, in the
	// Header form, reads it from the message instead.
	MaxValue  float64
	MaxHeader string
	// Text maps a level (1-10 for spam, 1-5 for virus) to the status text
	// that means it.
	Text map[int]string
}

func spamSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "spamtest", ext: "spamtest", test: true, subtests: -1, fams: famMatch,
			args: []valKind{valString}, tags: map[string]tagDef{"percent": {ext: "spamtestplus"}},
			check: func(c *compiler, n *node) { checkMatch(c, n, 0) },
			eval:  evalSpamTest},
		{name: "virustest", ext: "virustest", test: true, subtests: -1, fams: famMatch,
			args:  []valKind{valString},
			check: func(c *compiler, n *node) { checkMatch(c, n, 0) },
			eval:  evalVirusTest},
	}
}

// extractStatus reads "Name[:regex]" from the header.
func extractStatus(h []HeaderField, spec string) (string, bool) {
	name, expr, hasExpr := strings.Cut(spec, ":")
	values := headerValues(h, strings.TrimSpace(name), false)
	if len(values) == 0 {
		return "", false
	}
	v := values[0]
	if !hasExpr {
		return strings.TrimSpace(v), true
	}
	re, err := regexp.Compile(strings.TrimLeft(expr, " \t"))
	if err != nil {
		return "", false
	}
	m := re.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	if len(m) > 1 {
		return m[1], true
	}
	return m[0], true
}

// statusRatio returns the verdict as a fraction of certainty, or the
// text level; ok is false when the message was not tested.
func statusRatio(h []HeaderField, c StatusConfig) (ratio float64, level int, ok bool) {
	if c.Header == "" {
		return 0, 0, false
	}
	s, found := extractStatus(h, c.Header)
	if !found {
		return 0, 0, false
	}
	switch c.Type {
	case "text":
		for lvl, text := range c.Text {
			if s == text {
				return 0, lvl, true
			}
		}
		return 0, 0, false
	case "strlen":
		return divide(float64(len(s)), maxValue(h, c))
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, 0, false
	}
	return divide(f, maxValue(h, c))
}

func divide(v, max float64) (float64, int, bool) {
	if max <= 0 {
		return 0, 0, false
	}
	return v / max, -1, true
}

func maxValue(h []HeaderField, c StatusConfig) float64 {
	if c.MaxHeader != "" {
		if s, ok := extractStatus(h, c.MaxHeader); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
				return f
			}
		}
		return 0
	}
	return c.MaxValue
}

// spamValue maps a verdict to RFC 5235 section 3.2: "0" untested, 1 to 10
// (or 0 to 100 with :percent).
func spamValue(h []HeaderField, c StatusConfig, percent bool, top int) string {
	ratio, level, ok := statusRatio(h, c)
	if !ok {
		return "0"
	}
	if level >= 0 {
		if percent {
			return strconv.Itoa((level - 1) * 100 / (top - 1))
		}
		return strconv.Itoa(level)
	}
	ratio = math.Max(0, math.Min(1, ratio))
	if percent {
		return strconv.Itoa(int(math.Round(ratio * 100)))
	}
	return strconv.Itoa(1 + int(math.Floor(ratio*float64(top-1)+1e-9)))
}

func (rt *runtime) spamConfig() *SpamTestConfig {
	if rt.env.SpamTest == nil {
		return &SpamTestConfig{}
	}
	return rt.env.SpamTest
}

func evalSpamTest(rt *runtime, n *node) (bool, error) {
	v := spamValue(rt.hdr, rt.spamConfig().Spam, n.has("percent"), 10)
	return rt.matchValues(n, []string{v})
}

func evalVirusTest(rt *runtime, n *node) (bool, error) {
	v := spamValue(rt.hdr, rt.spamConfig().Virus, false, 5)
	return rt.matchValues(n, []string{v})
}
