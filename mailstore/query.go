package mailstore

import "time"

// Query selects, sorts and pages emails of an account; JMAP Email/query
// (RFC 8621 section 4.4) and IMAP SEARCH and SORT (RFC 9051 section 6.4.4,
// RFC 5256) both run through it.
type Query struct {
	// Mailbox, when set, restricts the query to the messages of one
	// mailbox, the IMAP selected mailbox; the result then carries their
	// UIDs and UID ranges may be used in Filter.
	Mailbox MailboxID
	// Filter selects the emails; nil selects all.
	Filter *Filter
	// Sort orders the result; ties, and a query without Sort, fall back to
	// arrival order (UID order in a mailbox, then id).
	Sort []Comparator
	// CollapseThreads keeps only the first email of each thread in the
	// sorted result (RFC 8621 section 4.4.3).
	CollapseThreads bool

	// Position is the index of the first result to return; negative
	// counts from the end (RFC 8620 section 5.5).
	Position int
	// Anchor, when set, replaces Position: the window starts at
	// AnchorOffset from the anchor's index (negative before it).
	Anchor       EmailID
	AnchorOffset int
	// Limit caps the number of ids returned; zero returns them all.
	Limit int
}

// QueryResult is a window of the sorted result.
type QueryResult struct {
	// IDs lists the emails of the window in order.
	IDs []EmailID
	// UIDs holds the UID of each email of IDs in Query.Mailbox, when that
	// was set.
	UIDs []uint32
	// Position is the index in the whole result of IDs[0].
	Position int
	// Total is the number of emails the filter matched (after collapsing
	// threads).
	Total int
	// State is the account's highest MODSEQ the query saw (JMAP
	// queryState).
	State uint64
}

// FilterOperator combines the conditions of a Filter node (RFC 8620
// section 5.5 FilterOperator).
type FilterOperator string

// The filter operators.
const (
	FilterAnd FilterOperator = "AND"
	FilterOr  FilterOperator = "OR"
	FilterNot FilterOperator = "NOT" // none of the conditions
)

// Filter is a node of a filter tree. With Operator set it combines
// Conditions and its own fields are ignored; otherwise every field set
// must match (RFC 8621 section 4.4.1).
type Filter struct {
	Operator   FilterOperator
	Conditions []*Filter

	// InMailbox matches emails in that mailbox; InMailboxOtherThan those
	// in at least one mailbox not in the list.
	InMailbox          MailboxID
	InMailboxOtherThan []MailboxID

	// HasKeyword and NotKeyword match the presence and absence of a
	// keyword (JMAP form or IMAP system flag).
	HasKeyword, NotKeyword string

	// Before and After bound the received date: Received < Before,
	// Received >= After. SentBefore and SentAfter do the same for the
	// Date header.
	Before, After         time.Time
	SentBefore, SentAfter time.Time

	// MinSize and MaxSize bound the size: Size >= MinSize, Size < MaxSize
	// (zero means no bound).
	MinSize, MaxSize int64

	// From, To, Cc, Bcc and Subject match a case-insensitive substring of
	// the decoded header (names and addresses for address fields).
	From, To, Cc, Bcc, Subject string
	// Body matches words of the text parts; Text also of the subject,
	// addresses and attachment names. Every word must be present, each
	// as a word or the start of one, compared after Unicode case folding.
	Body, Text string
	// Stemmed lets Body and Text also match words of the same stem in
	// Options.StemLanguage ("reporting" finds "reports"), as RFC 8621
	// section 4.4.1 allows JMAP servers; IMAP SEARCH leaves it unset.
	Stemmed bool
	// Header matches emails having the header field Header[0]; with a
	// second element, one whose value contains it, case-insensitively.
	Header []string

	// UIDs matches messages of Query.Mailbox whose UID lies in one of the
	// ranges (IMAP SEARCH UID and sequence sets).
	UIDs []UIDRange
	// MinModSeq matches messages whose MODSEQ in Query.Mailbox, or whose
	// email MODSEQ otherwise, is at least this (RFC 7162 section 3.1.5).
	MinModSeq uint64
}

// UIDRange is an inclusive range of UIDs.
type UIDRange struct{ Lo, Hi uint32 }

// SortKey names a property to sort by.
type SortKey string

// The sort keys (RFC 8621 section 4.4.2, RFC 5256 section 3).
const (
	SortReceived SortKey = "receivedAt" // IMAP ARRIVAL
	SortSent     SortKey = "sentAt"     // IMAP DATE
	SortSize     SortKey = "size"
	SortSubject  SortKey = "subject" // base subject (RFC 5256 section 2.1)
	SortFrom     SortKey = "from"    // first From address
	SortTo       SortKey = "to"      // first To address
	SortCc       SortKey = "cc"      // first Cc address
)

// Comparator is one sort criterion.
type Comparator struct {
	Key        SortKey
	Descending bool
}
