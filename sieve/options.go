package sieve

import (
	"log/slog"
	"strings"
	"time"
)

// Options configures compiling and running scripts. The zero value is safe:
// every limit then takes the default given in its comment, which is at
// least the minimum RFC 5228 section 10 asks implementations to allow.
type Options struct {
	// MaxScriptSize is the largest script source in bytes. Default 1 MiB.
	MaxScriptSize int
	// MaxNesting is the deepest nesting of blocks and tests. Default 32.
	MaxNesting int
	// MaxErrors stops compiling after this many errors. Default 30.
	MaxErrors int
	// MaxActions is the most actions one run may produce. Default 32.
	MaxActions int
	// MaxRedirects is the most redirect actions per run. Default 4.
	MaxRedirects int
	// MaxSteps bounds the commands and tests one run may evaluate (the
	// CPU limit). Default 100000.
	MaxSteps int
	// MaxCPUTime bounds the wall-clock time of one run. Default 5s.
	MaxCPUTime time.Duration
	// MaxRegexCost bounds one regex match: the pattern length times the
	// value length. Default 10,000,000.
	MaxRegexCost int64
	// MaxVariables is the most variables per run (RFC 5229 section 6
	// asks for at least 128). Default 255.
	MaxVariables int
	// MaxVariableSize caps the length of a variable's value in bytes;
	// longer values are cut. Default 4000, the RFC 5229 minimum.
	MaxVariableSize int
	// MaxMatchValues is the number of match variables kept (${0}..).
	// Default 32.
	MaxMatchValues int
	// MaxIncludeDepth is the deepest include nesting (RFC 6609). Default 10.
	MaxIncludeDepth int
	// MaxIncludes is the most scripts one run may include. Default 255.
	MaxIncludes int
	// MaxNotifications per run (RFC 5435). Default 8.
	MaxNotifications int
	// MaxHeaderSize caps a header added by addheader, RFC 5293. Default
	// 2048.
	MaxHeaderSize int
	// EditHeaderForbidAdd and EditHeaderForbidDelete list fields that
	// addheader and deleteheader leave alone, besides Received and
	// Auto-Submitted (RFC 5293 section 6).
	EditHeaderForbidAdd    []string
	EditHeaderForbidDelete []string
	// VacationMinPeriod and VacationMaxPeriod clamp :days and :seconds,
	// RFC 6131. Defaults one day and 90 days; VacationDefaultPeriod
	// (default 7 days) applies when the script gives none.
	VacationMinPeriod     time.Duration
	VacationMaxPeriod     time.Duration
	VacationDefaultPeriod time.Duration
	// VacationDefaultSubject is the reply subject when neither :subject
	// nor the original message gives one; VacationSubjectTemplate, with
	// "%{subject}" for the original subject, replaces "Auto: %{subject}".
	VacationDefaultSubject  string
	VacationSubjectTemplate string
	// VacationUseOriginalRecipient counts the original recipient
	// (Envelope.OrigTo) among the user's addresses for vacation.
	VacationUseOriginalRecipient bool
	// VacationAnyRecipient sends vacation replies even when none of the
	// user's addresses appears in the recipient fields (RFC 5230 4.5).
	VacationAnyRecipient bool
	// Disabled lists extensions scripts may not require.
	Disabled []string
	// Trusted marks the script as a trusted system script: it may require
	// extensions marked Trusted (the host's functions).
	Trusted bool
	// Extensions are host extensions that scripts may require.
	Extensions []*Extension
	// SubaddressSeparator holds the characters that separate local part
	// and detail, RFC 5233; the first one found splits. Default "+".
	SubaddressSeparator string
	// Logger receives run events; nil discards them.
	Logger *slog.Logger
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (o *Options) maxScriptSize() int  { return orInt(o.MaxScriptSize, 1<<20) }
func (o *Options) maxNesting() int     { return orInt(o.MaxNesting, 32) }
func (o *Options) maxErrors() int      { return orInt(o.MaxErrors, 30) }
func (o *Options) maxActions() int     { return orInt(o.MaxActions, 32) }
func (o *Options) maxRedirects() int   { return orInt(o.MaxRedirects, 4) }
func (o *Options) maxSteps() int       { return orInt(o.MaxSteps, 100000) }
func (o *Options) maxVariables() int   { return orInt(o.MaxVariables, 255) }
func (o *Options) maxVarSize() int     { return orInt(o.MaxVariableSize, 4000) }
func (o *Options) maxMatchValues() int { return orInt(o.MaxMatchValues, 32) }
func (o *Options) maxIncludeDepth() int {
	return orInt(o.MaxIncludeDepth, 10)
}
func (o *Options) maxRegexCost() int64 {
	if o.MaxRegexCost > 0 {
		return o.MaxRegexCost
	}
	return 10_000_000
}

func (o *Options) maxIncludes() int      { return orInt(o.MaxIncludes, 255) }
func (o *Options) maxNotifications() int { return orInt(o.MaxNotifications, 8) }
func (o *Options) maxHeaderSize() int    { return orInt(o.MaxHeaderSize, 2048) }

func (o *Options) maxCPU() time.Duration {
	if o.MaxCPUTime > 0 {
		return o.MaxCPUTime
	}
	return 5 * time.Second
}

func orDur(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func (o *Options) separator() string {
	if o.SubaddressSeparator != "" {
		return o.SubaddressSeparator
	}
	return "+"
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// capable reports whether a built-in extension is known and enabled.
func (o *Options) capable(name string) bool {
	if !isBuiltinExt(name) && !strings.HasPrefix(name, "comparator-") {
		return false
	}
	if strings.HasPrefix(name, "comparator-") && !knownComparator(name[11:]) {
		return false
	}
	for _, d := range o.Disabled {
		if strings.EqualFold(d, name) {
			return false
		}
	}
	return true
}

// Capabilities returns the extensions a script compiled with these options
// may require, as listed in the SIEVE capability of ManageSieve (RFC 5804
// section 1.7).
func (o *Options) Capabilities() []string {
	var out []string
	for _, name := range extensionOrder() {
		if o.capable(name) {
			out = append(out, name)
		}
	}
	return out
}

// MaxRedirectsLimit returns the redirect limit in effect, for the
// MAXREDIRECTS capability of RFC 5804 section 1.7.
func (o *Options) MaxRedirectsLimit() int { return o.maxRedirects() }
