package mailstore

import (
	"encoding/binary"

	"github.com/bulwarkmail/bulwark/store"
)

// The spaces of the mailstore layout. Numbers are big-endian so that keys
// sort numerically; a is the account number (4 bytes), m a mailbox number
// (4), e an email number (8), t a thread number (8), u a UID (4) and q a
// MODSEQ (8). Records (account, mailbox, email, entry, thread, change,
// word list) start with a format byte; ms_parsed holds the encoding of
// msgparse.Message.MarshalBinary; index values are bare numbers.
//
//	ms_meta        space name                -> layout version of that space
//	ms_account     account name              -> account record
//	ms_counter     0 "account" | 0 "uidvalidity" -> global counters
//	               a "q" | a "m" | a "e" | a "t" -> MODSEQ and id counters
//	               a "u" m                   -> last UID given in mailbox m
//	ms_mailbox     a m                       -> mailbox record
//	ms_mailbox_name a name                   -> m (INBOX spelt "INBOX")
//	ms_email       a e                       -> email record (compact)
//	ms_parsed      a e                       -> msgparse.Message, encoded
//	ms_uid         a m u                     -> entry record
//	ms_modseq      a m q u                   -> empty: entries by MODSEQ
//	ms_vanished    a m q u                   -> empty: expunged UIDs
//	ms_change      a q kind id               -> change record
//	ms_thread      a t                       -> thread record
//	ms_thread_key  a hash(message-id)        -> t
//	ms_posting     a term 0x00 c             -> emails of chunk c holding term
//	ms_term_pending a e                      -> postings of e not merged yet
//	ms_doc_terms   a e                       -> terms of email e, with fields
//	ms_acct_blob   a blob hash               -> references from account a
//	ms_acl         a m identifier            -> rights of identifier on m
//	ms_acl_shared  len identifier a m        -> owner's name: mailboxes
//	                                            shared with identifier
//
// Blob reference counts live in the spaces of store.BlobRefs, shared with
// the other packages that keep blobs.
const (
	spaceMeta        store.Space = "ms_meta"
	spaceAccount     store.Space = "ms_account"
	spaceCounter     store.Space = "ms_counter"
	spaceMailbox     store.Space = "ms_mailbox"
	spaceMailboxName store.Space = "ms_mailbox_name"
	spaceEmail       store.Space = "ms_email"
	spaceParsed      store.Space = "ms_parsed"
	spaceUID         store.Space = "ms_uid"
	spaceModSeq      store.Space = "ms_modseq"
	spaceVanished    store.Space = "ms_vanished"
	spaceChange      store.Space = "ms_change"
	spaceThread      store.Space = "ms_thread"
	spaceThreadKey   store.Space = "ms_thread_key"
	spacePosting     store.Space = "ms_posting"
	spaceTermPending store.Space = "ms_term_pending"
	spaceDocTerms    store.Space = "ms_doc_terms"
	spaceAcctBlob    store.Space = "ms_acct_blob"
	spaceACL         store.Space = "ms_acl"
	spaceShared      store.Space = "ms_acl_shared"
)

// LayoutComponent is the component name of the mailstore's layout
// version in store.Layout; LayoutCurrent is the version this release
// writes. New refuses a store of another version with
// store.ErrLayoutTooNew or store.ErrNeedsMigration.
const (
	LayoutComponent = "mailstore"
	LayoutCurrent   = 2
)

// layoutVersions gives the layout version of each space this release
// writes; the migrate package upgrades older ones.
var layoutVersions = map[store.Space]byte{
	spaceAccount: 1, spaceCounter: 1, spaceMailbox: 1, spaceMailboxName: 1,
	spaceEmail: 1, spaceParsed: 1, spaceUID: 1, spaceModSeq: 1,
	spaceVanished: 1, spaceChange: 1, spaceThread: 1, spaceThreadKey: 1,
	spacePosting: 1, spaceTermPending: 1, spaceDocTerms: 2, spaceAcctBlob: 1,
	spaceACL: 1, spaceShared: 1,
}

// LayoutVersion returns the layout version this release writes in a space
// of the mailstore, zero for a space it does not use.
func LayoutVersion(space store.Space) int { return int(layoutVersions[space]) }

// Spaces lists the spaces of the mailstore layout.
func Spaces() []store.Space {
	out := make([]store.Space, 0, len(layoutVersions)+1)
	out = append(out, spaceMeta)
	for sp := range layoutVersions {
		out = append(out, sp)
	}
	return out
}

// key builds keys by appending big-endian numbers and raw bytes.
type key []byte

func newKey(acct uint32) key {
	k := make(key, 4, 32)
	binary.BigEndian.PutUint32(k, acct)
	return k
}

func (k key) u32(v uint32) key   { return binary.BigEndian.AppendUint32(k, v) }
func (k key) u64(v uint64) key   { return binary.BigEndian.AppendUint64(k, v) }
func (k key) str(s string) key   { return append(k, s...) }
func (k key) byte(b byte) key    { return append(k, b) }
func (k key) bytes(b []byte) key { return append(k, b...) }

func mailboxKey(a, m uint32) key       { return newKey(a).u32(m) }
func emailKey(a uint32, e uint64) key  { return newKey(a).u64(e) }
func threadKey(a uint32, t uint64) key { return newKey(a).u64(t) }
func uidKey(a, m, uid uint32) key      { return newKey(a).u32(m).u32(uid) }
func uidCounterKey(a, m uint32) key    { return newKey(a).byte('u').u32(m) }

func modseqKey(a, m uint32, q uint64, uid uint32) key {
	return newKey(a).u32(m).u64(q).u32(uid)
}

// Counter keys inside an account.
const (
	ctrModSeq  = 'q'
	ctrMailbox = 'm'
	ctrEmail   = 'e'
	ctrThread  = 't'
)

// Global counter keys, under account number 0, which no account has.
var (
	ctrAccountKey     = []byte("\x00\x00\x00\x00account")
	ctrUIDValidityKey = []byte("\x00\x00\x00\x00uidvalidity")
)

func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
