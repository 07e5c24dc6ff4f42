package mailstore

import (
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// Mailbox roles (RFC 8621 section 2, from the IANA "IMAP Mailbox Name
// Attributes" registry; RFC 6154 special-use attributes in IMAP).
const (
	RoleInbox   = "inbox"
	RoleDrafts  = "drafts"
	RoleSent    = "sent"
	RoleJunk    = "junk"
	RoleTrash   = "trash"
	RoleArchive = "archive"
)

// InboxName is the name of the inbox. Lookups match it case-insensitively
// (RFC 9051 section 5.1).
const InboxName = "INBOX"

// Delimiter separates the levels of a mailbox name.
const Delimiter = '/'

// Mailbox is a folder of an account.
type Mailbox struct {
	ID MailboxID
	// Name is the full path, levels separated by Delimiter, in UTF-8.
	Name string
	// ParentID is the id of the parent mailbox, empty at the top level.
	ParentID MailboxID
	// Role is one of the Role constants or empty (RFC 8621 section 2).
	Role string
	// UIDValidity is the IMAP UIDVALIDITY (RFC 9051 section 2.3.1.1):
	// non-zero, and never the same for two mailboxes that bore one name.
	UIDValidity uint32
	// UIDNext is the UID the next message will get; UIDs are never
	// reused.
	UIDNext uint32
	// HighestModSeq is the MODSEQ of the last change to the mailbox or
	// its messages (RFC 7162 section 3.1.2.1).
	HighestModSeq uint64
	// Subscribed tells whether the account subscribed to the mailbox.
	Subscribed bool
	// Total and Unread count the messages, and those without "$seen".
	Total, Unread uint32
	// Size is the sum of the sizes of the messages.
	Size int64
	// SortOrder is the JMAP sortOrder (RFC 8621 section 2).
	SortOrder uint32
}

// MailboxPatch changes properties of a mailbox other than its name; nil
// fields are left alone.
type MailboxPatch struct {
	// Role is set to *Role; "" clears it.
	Role      *string
	SortOrder *uint32
}

// Entry is a message as one mailbox holds it: the IMAP view.
type Entry struct {
	UID     uint32
	EmailID EmailID
	// ModSeq is the MODSEQ of the last change to this message in this
	// mailbox (RFC 7162 section 3.1).
	ModSeq uint64
	// Keywords are in JMAP form ("$seen", "$flagged", ...), sorted.
	Keywords []string
	// Received is the IMAP internal date and JMAP receivedAt.
	Received time.Time
	// Size is the size of the raw message in octets (RFC822.SIZE).
	Size int64
}

// Email is a stored message with its JMAP properties.
type Email struct {
	ID       EmailID
	ThreadID ThreadID
	// Blob is the hash of the raw message in the BlobStore; it is also
	// the JMAP blobId once formatted by the caller.
	Blob     store.Hash
	Size     int64
	Received time.Time
	// Keywords are in JMAP form, sorted.
	Keywords []string
	// Mailboxes maps each mailbox holding the email to its UID there.
	Mailboxes map[MailboxID]uint32
	// ModSeq is the MODSEQ of the last change to the email.
	ModSeq uint64
	// Parsed is the message's structure as parsed on arrival; text
	// bodies are not kept (Part.Text is empty), read them with Open.
	Parsed *msgparse.Message
}

// Recipient is one account a delivered message goes to.
type Recipient struct {
	Account string
	// Mailbox is where the message is filed; empty means the inbox.
	Mailbox MailboxID
	// Keywords are set on the new message (Sieve imap4flags, RFC 5232).
	Keywords []string
}

// Delivered reports what became of one Recipient.
type Delivered struct {
	Account string
	EmailID EmailID
	Mailbox MailboxID
	UID     uint32
	// Err is the reason the message was not stored for this recipient,
	// such as ErrOverQuota or ErrNotFound; nil on success.
	Err error
}

// FlagOp tells Store and SetEmailKeywords how to combine keywords with
// those a message already has (RFC 9051 section 6.4.6).
type FlagOp int

// The keyword operations.
const (
	// FlagsReplace sets the keywords to the given ones ("FLAGS").
	FlagsReplace FlagOp = iota
	// FlagsAdd adds the given keywords ("+FLAGS").
	FlagsAdd
	// FlagsRemove removes the given keywords ("-FLAGS").
	FlagsRemove
)

// Kind is a type of object in the change log, or a set of them in an
// Event.
type Kind uint8

// The kinds of objects whose changes are logged.
const (
	KindEmail Kind = 1 << iota
	KindMailbox
	KindThread
)

// ChangeSet lists the ids of one kind created, updated and destroyed since
// a state (RFC 8620 section 5.2).
type ChangeSet[T ~string] struct {
	Created, Updated, Destroyed []T
}

// Changes is the answer of Changes: what changed in an account since a
// MODSEQ. The JMAP state strings are the MODSEQs in decimal.
type Changes struct {
	// Since is the MODSEQ asked for, NewState the one the client has
	// after applying these changes.
	Since, NewState uint64
	// HasMore is set when max cut the list: ask again from NewState.
	HasMore   bool
	Emails    ChangeSet[EmailID]
	Mailboxes ChangeSet[MailboxID]
	Threads   ChangeSet[ThreadID]
	// MailboxCountsOnly is set when every mailbox in Mailboxes.Updated
	// changed only its counts (RFC 8621 section 2.2 updatedProperties).
	MailboxCountsOnly bool
}

// Event tells subscribers that an account changed.
type Event struct {
	Account string
	// ModSeq is the account's highest MODSEQ after the change.
	ModSeq uint64
	// Mailboxes lists the mailboxes whose messages or properties changed.
	Mailboxes []MailboxID
	// Kinds is the set of kinds of objects that changed.
	Kinds Kind
}

// Quota is an account's limits and usage. A limit of zero means none.
type Quota struct {
	MaxBytes, MaxMessages int64
	Bytes, Messages       int64
}
