package sieve

import "time"

// ActionKind names an action of a result.
type ActionKind string

// Action kinds a result may hold. A host carries them out in order.
const (
	// ActionKeep stores the message in the default mailbox (INBOX),
	// RFC 5228 section 4.3, with Flags when HasFlags is set.
	ActionKeep ActionKind = "keep"
	// ActionFileInto stores the message in Mailbox, RFC 5228 section
	// 4.1; Create (RFC 5490), SpecialUse (RFC 8579), MailboxID (RFC 9042:
	// that mailbox when it exists, else Mailbox) and Flags (RFC 5232)
	// refine it.
	ActionFileInto ActionKind = "fileinto"
	// ActionRedirect sends the message on to Address, RFC 5228 section
	// 4.2, keeping the envelope's reverse-path.
	ActionRedirect ActionKind = "redirect"
	// ActionDiscard drops the message silently, RFC 5228 section 4.4.
	ActionDiscard ActionKind = "discard"
	// ActionReject refuses the message with Reason, RFC 5429 section 2.2:
	// an SMTP refusal when still possible, else an MDN/DSN.
	ActionReject ActionKind = "reject"
	// ActionEReject refuses at the SMTP level when possible, RFC 5429
	// section 2.1.
	ActionEReject ActionKind = "ereject"
	// ActionVacation sends an auto-reply, RFC 5230; see Vacation.
	ActionVacation ActionKind = "vacation"
	// ActionNotify sends a notification, RFC 5435; see Notify.
	ActionNotify ActionKind = "notify"
)

// Action is one thing the host must do with the message.
type Action struct {
	Kind       ActionKind
	Pos        Pos // where the script asked for it
	Mailbox    string
	MailboxID  string
	SpecialUse string
	Create     bool
	// Copy is set when ":copy" kept the implicit keep alive (RFC 3894).
	Copy bool
	// Flags to set on the stored message; HasFlags tells "no flags"
	// apart from "default flags".
	Flags    []string
	HasFlags bool
	Address  string // redirect target
	Reason   string // reject and ereject text
	// Vacation and Notify carry their actions' parameters.
	Vacation *Vacation
	Notify   *Notify
	// Header is the message header at the time of the action when
	// editheader, replace or enclose changed it (RFC 5293, RFC 5703);
	// nil means the original header.
	Header []HeaderField
	// Body is the body at the time of the action when replace or enclose
	// rewrote it (RFC 5703); nil means the original body.
	Body []byte
}

// Vacation is an auto-reply to send, RFC 5230 section 4. The host checks
// and records the response tracker (Handle, Period); the interpreter has
// already applied the RFC 3834 rules (no replies to lists, bulk and
// auto-submitted mail, the null sender, or mail not addressed to the
// user) and set Skip when one applies.
type Vacation struct {
	To string // who receives the reply: the envelope reverse-path
	// ToHeader is the original field naming To, with its display name.
	ToHeader string
	Handle   string // :handle, or a hash of the parameters
	Period   time.Duration
	Subject  string // already defaulted to "Auto: <subject>"
	From     string // :from, may be empty
	// Recipient is the user's address found in the message's recipient
	// fields; replies come from it when From is empty.
	Recipient string
	Addresses []string
	Mime      bool   // Reason is a MIME entity
	Reason    string // the reply text
	InReplyTo string // Message-ID of the message answered
	// References are the original's References and its Message-ID.
	References []string
	// Fcc stores a copy of the reply, RFC 8580.
	Fcc *Fcc
	// Skip, when set, says why no reply may be sent (RFC 3834 section 2,
	// RFC 5230 section 4.5); the action stays in the result for the
	// record and Result.Outgoing leaves it out.
	Skip string
}

// Notify is a notification to send, RFC 5435 section 3.
type Notify struct {
	Method     string // URI, such as "mailto:..."
	From       string
	Importance string // "1", "2" (default) or "3"
	Options    []string
	Message    string
	Fcc        *Fcc
	// Skip, when set, says why no notification may be sent.
	Skip string
}

// Fcc asks to store a copy of a sent reply or notification, RFC 8580.
type Fcc struct {
	Mailbox    string
	Create     bool
	Flags      []string
	SpecialUse string
	MailboxID  string
}

// Result is what a run decided. The host carries out Actions in order and
// then, when ImplicitKeep is set, stores the message in INBOX with
// KeepFlags (RFC 5228 section 2.10.2).
type Result struct {
	Actions      []Action
	ImplicitKeep bool
	KeepFlags    []string
	HasKeepFlags bool
	// Header is the final header when editheader changed it.
	Header []HeaderField
	// Body is the final body when replace or enclose rewrote it.
	Body []byte
	// Warnings are notes from the run, such as a skipped vacation;
	// those starting with "error: " are script errors that did not stop
	// the run (an invalid regular expression built from variables).
	Warnings []string
}
