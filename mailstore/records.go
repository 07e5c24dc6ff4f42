package mailstore

import (
	"time"
	"unicode/utf8"

	"github.com/bulwarkmail/bulwark/store"
)

// Format versions of the stored records.
const (
	accountFormat = 1
	mailboxFormat = 1
	emailFormat   = 1
	entryFormat   = 1
	threadFormat  = 1
	changeFormat  = 1
)

// accountRec is an account's record in ms_account.
type accountRec struct {
	num                   uint32
	maxBytes, maxMessages int64
	bytes, messages       int64
	// trimmed is the highest MODSEQ the purge task removed from the
	// change log; Changes since an older state cannot be computed.
	trimmed uint64
}

func (r *accountRec) encode() []byte {
	e := enc{b: make([]byte, 0, 48)}
	e.byte(accountFormat)
	e.uvarint(uint64(r.num))
	e.varint(r.maxBytes)
	e.varint(r.maxMessages)
	e.varint(r.bytes)
	e.varint(r.messages)
	e.uvarint(r.trimmed)
	return e.b
}

func decodeAccount(b []byte) (accountRec, error) {
	d := dec{b: b}
	d.version(accountFormat)
	r := accountRec{
		num:         uint32(d.uvarint()),
		maxBytes:    d.varint(),
		maxMessages: d.varint(),
		bytes:       d.varint(),
		messages:    d.varint(),
		trimmed:     d.uvarint(),
	}
	return r, d.err
}

// mailboxRec is a mailbox's record in ms_mailbox.
type mailboxRec struct {
	name        string
	parent      uint32
	role        string
	uidValidity uint32
	modseq      uint64
	subscribed  bool
	total       uint32
	unread      uint32
	size        int64
	sortOrder   uint32
}

func (r *mailboxRec) encode() []byte {
	e := enc{b: make([]byte, 0, 64)}
	e.byte(mailboxFormat)
	e.str(r.name)
	e.uvarint(uint64(r.parent))
	e.str(r.role)
	e.uvarint(uint64(r.uidValidity))
	e.uvarint(r.modseq)
	e.bool(r.subscribed)
	e.uvarint(uint64(r.total))
	e.uvarint(uint64(r.unread))
	e.varint(r.size)
	e.uvarint(uint64(r.sortOrder))
	return e.b
}

func decodeMailbox(b []byte) (mailboxRec, error) {
	d := dec{b: b}
	d.version(mailboxFormat)
	r := mailboxRec{
		name:        d.str(),
		parent:      uint32(d.uvarint()),
		role:        d.str(),
		uidValidity: uint32(d.uvarint()),
		modseq:      d.uvarint(),
		subscribed:  d.bool(),
		total:       uint32(d.uvarint()),
		unread:      uint32(d.uvarint()),
		size:        d.varint(),
		sortOrder:   uint32(d.uvarint()),
	}
	return r, d.err
}

// mailboxLink is one mailbox holding an email, with the UID there.
type mailboxLink struct {
	mbox, uid uint32
}

// emailRec is an email's record in ms_email: what queries filter and sort
// on, kept compact so that scanning a large mailbox stays cheap. Text
// fields used for matching are stored case-folded.
type emailRec struct {
	thread   uint64
	blob     store.Hash
	size     int64
	received int64 // Unix seconds
	sent     int64 // Unix seconds; 0 when the Date header is absent
	modseq   uint64
	keywords []string
	links    []mailboxLink
	subject  string // folded decoded subject
	baseSubj string // folded RFC 5256 base subject, for sorting
	from     string // folded "name <addr>" list, for matching
	to, cc   string
	bcc      string
	sortFrom string // folded first address
	sortTo   string
	sortCc   string
}

func (r *emailRec) encode() []byte {
	e := enc{b: make([]byte, 0, 160)}
	e.byte(emailFormat)
	e.uvarint(r.thread)
	e.raw(r.blob[:])
	e.varint(r.size)
	e.varint(r.received)
	e.varint(r.sent)
	e.uvarint(r.modseq)
	e.strs(r.keywords)
	e.uvarint(uint64(len(r.links)))
	for _, l := range r.links {
		e.uvarint(uint64(l.mbox))
		e.uvarint(uint64(l.uid))
	}
	for _, s := range [...]string{r.subject, r.baseSubj, r.from, r.to, r.cc,
		r.bcc, r.sortFrom, r.sortTo, r.sortCc} {
		e.str(s)
	}
	return e.b
}

func decodeEmail(b []byte) (emailRec, error) {
	d := dec{b: b}
	d.version(emailFormat)
	var r emailRec
	r.thread = d.uvarint()
	copy(r.blob[:], d.raw(len(r.blob)))
	r.size = d.varint()
	r.received = d.varint()
	r.sent = d.varint()
	r.modseq = d.uvarint()
	r.keywords = d.strs()
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		n = 0
	}
	r.links = make([]mailboxLink, n)
	for i := range r.links {
		r.links[i] = mailboxLink{uint32(d.uvarint()), uint32(d.uvarint())}
	}
	for _, p := range [...]*string{&r.subject, &r.baseSubj, &r.from, &r.to,
		&r.cc, &r.bcc, &r.sortFrom, &r.sortTo, &r.sortCc} {
		*p = d.str()
	}
	return r, d.err
}

// link returns the UID of the email in mailbox m.
func (r *emailRec) link(m uint32) (uint32, bool) {
	for _, l := range r.links {
		if l.mbox == m {
			return l.uid, true
		}
	}
	return 0, false
}

// entryRec is a message in one mailbox, in ms_uid: enough for the IMAP
// view and for sorting without reading the email record. The sort keys
// never change after delivery; they are cut to maxSortKey octets.
type entryRec struct {
	email    uint64
	modseq   uint64
	received int64
	size     int64
	keywords []string
	sent     int64
	thread   uint64
	baseSubj string
	sortFrom string
	sortTo   string
	sortCc   string
	// subject and from are the folded Subject and From of the email
	// record, for the SEARCH SUBJECT and FROM that clients send most.
	subject string
	from    string
}

// maxSortKey caps the octets of a sort key kept in an entry.
const maxSortKey = 64

func sortKey(s string) string {
	if len(s) <= maxSortKey {
		return s
	}
	s = s[:maxSortKey]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func newEntry(e, q uint64, rec *emailRec) entryRec {
	return entryRec{email: e, modseq: q, received: rec.received, size: rec.size,
		keywords: rec.keywords, sent: rec.sent, thread: rec.thread,
		baseSubj: sortKey(rec.baseSubj), sortFrom: sortKey(rec.sortFrom),
		sortTo: sortKey(rec.sortTo), sortCc: sortKey(rec.sortCc),
		subject: rec.subject, from: rec.from}
}

func (r *entryRec) encode() []byte {
	e := enc{b: make([]byte, 0, 96)}
	e.byte(entryFormat)
	e.uvarint(r.email)
	e.uvarint(r.modseq)
	e.varint(r.received)
	e.varint(r.size)
	e.varint(r.sent)
	e.uvarint(r.thread)
	e.strs(r.keywords)
	e.str(r.baseSubj)
	e.str(r.sortFrom)
	e.str(r.sortTo)
	e.str(r.sortCc)
	e.str(r.subject)
	e.str(r.from)
	return e.b
}

func decodeEntry(b []byte) (entryRec, error) {
	d := dec{b: b}
	d.version(entryFormat)
	r := entryRec{
		email:    d.uvarint(),
		modseq:   d.uvarint(),
		received: d.varint(),
		size:     d.varint(),
		sent:     d.varint(),
		thread:   d.uvarint(),
		keywords: d.strs(),
		baseSubj: d.str(),
		sortFrom: d.str(),
		sortTo:   d.str(),
		sortCc:   d.str(),
		subject:  d.str(),
		from:     d.str(),
	}
	return r, d.err
}

// entryDecoder decodes the IMAP view of entries, sharing the strings of
// keywords that repeat from one entry to the next.
type entryDecoder struct{ kws map[string]string }

func (ed *entryDecoder) decode(b []byte) (entryRec, error) {
	if ed.kws == nil {
		ed.kws = map[string]string{}
	}
	r := rd{b: b, ok: len(b) > 0 && b[0] == entryFormat}
	if r.ok {
		r.b = b[1:]
	}
	var e entryRec
	e.email, e.modseq = r.uvarint(), r.uvarint()
	e.received, e.size, e.sent = r.varint(), r.varint(), r.varint()
	e.thread = r.uvarint()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.ok = false
	}
	for i := uint64(0); i < n && r.ok; i++ {
		kb := r.str()
		k, ok := ed.kws[string(kb)]
		if !ok {
			k = string(kb)
			ed.kws[k] = k
		}
		e.keywords = append(e.keywords, k)
	}
	if !r.ok {
		return entryRec{}, errCorrupt
	}
	return e, nil
}

func (r *entryRec) entry(uid uint32) Entry {
	return Entry{
		UID:      uid,
		EmailID:  emailID(r.email),
		ModSeq:   r.modseq,
		Keywords: r.keywords,
		Received: time.Unix(r.received, 0).UTC(),
		Size:     r.size,
	}
}

// threadMember is an email of a thread with its received date, the order
// of JMAP Thread/get (RFC 8621 section 3).
type threadMember struct {
	received int64
	email    uint64
}

// threadRec is a thread's record in ms_thread.
type threadRec struct {
	baseSubj string
	members  []threadMember
}

func (r *threadRec) encode() []byte {
	e := enc{b: make([]byte, 0, 16+len(r.baseSubj)+12*len(r.members))}
	e.byte(threadFormat)
	e.str(r.baseSubj)
	e.uvarint(uint64(len(r.members)))
	for _, m := range r.members {
		e.varint(m.received)
		e.uvarint(m.email)
	}
	return e.b
}

func decodeThread(b []byte) (threadRec, error) {
	d := dec{b: b}
	d.version(threadFormat)
	r := threadRec{baseSubj: d.str()}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		n = 0
	}
	r.members = make([]threadMember, n)
	for i := range r.members {
		r.members[i] = threadMember{d.varint(), d.uvarint()}
	}
	return r, d.err
}
