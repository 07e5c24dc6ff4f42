package mailstore

import "errors"

// Errors returned by Store methods. They are wrapped with context; test for
// them with errors.Is.
var (
	// ErrNotFound is returned when an account, mailbox, email, thread or
	// message UID does not exist.
	ErrNotFound = errors.New("mailstore: not found")

	// ErrExists is returned by CreateMailbox and RenameMailbox when a
	// mailbox of that name already exists.
	ErrExists = errors.New("mailstore: already exists")

	// ErrOverQuota is returned by Deliver (per recipient), Append, Copy
	// and Import when the account's byte or message quota would be
	// exceeded (RFC 9208 section 4.1.1 "OVERQUOTA", RFC 8621 "overQuota").
	ErrOverQuota = errors.New("mailstore: over quota")

	// ErrChangesTrimmed is returned by Changes, ChangesOf and Vanished when
	// the given MODSEQ is older than the change log still kept: the client
	// must resynchronise (RFC 8620 section 5.2 "cannotCalculateChanges",
	// RFC 7162 section 3.2.5.2).
	ErrChangesTrimmed = errors.New("mailstore: changes trimmed")

	// ErrTooManyChanges is returned by Changes and ChangesOf when the
	// changes of a single MODSEQ exceed max and so cannot be split (RFC
	// 8620 section 5.2: the client must ask again with a larger
	// maxChanges or resynchronise).
	ErrTooManyChanges = errors.New("mailstore: too many changes for max")

	// ErrInvalidName is returned for a mailbox name that is empty, has an
	// empty level ("a//b"), a leading or trailing delimiter, a control
	// character, or is too long.
	ErrInvalidName = errors.New("mailstore: invalid mailbox name")

	// ErrInvalidKeyword is returned for a keyword outside RFC 8621
	// section 4.1.1 (ASCII %x21-7E without ( ) { ] % * " \, 1-255 octets).
	ErrInvalidKeyword = errors.New("mailstore: invalid keyword")

	// ErrTooManyKeywords is returned, along with ErrInvalidKeyword, when
	// a change would give an email more than MaxKeywords keywords.
	ErrTooManyKeywords = errors.New("mailstore: too many keywords")

	// ErrHasChildren is returned by DeleteMailbox for a mailbox that
	// still has child mailboxes (RFC 8621 "mailboxHasChild").
	ErrHasChildren = errors.New("mailstore: mailbox has children")

	// ErrForbidden is returned when an operation would break a rule of
	// the model: deleting INBOX, giving a second mailbox a role that is
	// taken, or leaving an email in no mailbox.
	ErrForbidden = errors.New("mailstore: operation not allowed")

	// ErrAnchorNotFound is returned by Query when Query.Anchor is not in
	// the results (RFC 8620 section 5.5 "anchorNotFound").
	ErrAnchorNotFound = errors.New("mailstore: anchor not found")

	// ErrTemporary is returned when a delivery met a blob that Purge was
	// deleting at that moment; retrying the whole call succeeds.
	ErrTemporary = errors.New("mailstore: temporary failure, retry")

	// ErrInvalidQuery is returned by Query for a filter or sort it cannot
	// run, such as UID ranges without Query.Mailbox.
	ErrInvalidQuery = errors.New("mailstore: invalid query")
)
