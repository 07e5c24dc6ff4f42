package queue

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/store"
)

// Spaces of the queue in the KV store.
const (
	// msgSpace holds each queued message's record by id.
	msgSpace store.Space = "queue_msg"
	// dueSpace indexes messages by when they are next due: the key is
	// the big-endian Unix time in nanoseconds then the id; the value is
	// the priority byte.
	dueSpace store.Space = "queue_due"
)

// State is the state of one recipient.
type State string

// Recipient states.
const (
	Queued    State = "queued"
	Delivered State = "delivered"
	Failed    State = "failed"
	Cancelled State = "cancelled"
)

// Message is a queued message as stored: the envelope, the body's blob
// and the state of each recipient.
type Message struct {
	ID   string
	From string // reverse-path; "" for a notification
	Blob string // hex SHA-256 of the body in the BlobStore
	Size int64  // size of the blob
	// Prefix holds header fields put on top of the blob (DKIM).
	Prefix     string `json:",omitempty"`
	Priority   int    `json:",omitempty"`
	Created    time.Time
	Ret        string `json:",omitempty"`
	EnvID      string `json:",omitempty"`
	RequireTLS bool   `json:",omitempty"`
	SMTPUTF8   bool   `json:",omitempty"`
	EightBit   bool   `json:",omitempty"`
	Recipients []*Recipient
	// Due is when the message is next looked at: the earliest retry of
	// a queued recipient, or the end of a lease.
	Due        time.Time
	LeaseOwner string    `json:",omitempty"`
	LeaseUntil time.Time `json:",omitzero"`
}

// Recipient is one recipient of a queued message and its state.
type Recipient struct {
	Address string
	Notify  []string `json:",omitempty"`
	ORcpt   string   `json:",omitempty"`
	State   State
	// Attempts counts delivery attempts that ended in a reply or error.
	Attempts    int
	NextAttempt time.Time
	LastAttempt time.Time `json:",omitzero"`
	// Code, Status and Diagnostic describe the last outcome: the reply
	// code, the enhanced status code and the reply text; RemoteMTA the
	// host that answered.
	Code       int    `json:",omitempty"`
	Status     string `json:",omitempty"`
	Diagnostic string `json:",omitempty"`
	RemoteMTA  string `json:",omitempty"`
	Warned     bool   `json:",omitempty"`
}

// SizeSent returns the size of the message as sent, prefix included.
func (m *Message) SizeSent() int64 { return m.Size + int64(len(m.Prefix)) }

// domain returns the lower-case domain of an address.
func domain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	return strings.ToLower(addr[i+1:])
}

// final reports whether no recipient is left to deliver.
func (m *Message) final() bool {
	for _, r := range m.Recipients {
		if r.State == Queued {
			return false
		}
	}
	return true
}

// nextDue returns the earliest retry among queued recipients.
func (m *Message) nextDue() time.Time {
	var t time.Time
	for _, r := range m.Recipients {
		if r.State == Queued && (t.IsZero() || r.NextAttempt.Before(t)) {
			t = r.NextAttempt
		}
	}
	return t
}

// newID returns a message id that sorts by creation time.
func newID() string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// dueKey is the index key of a message due at t.
func dueKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(max(t.UnixNano(), 0)))
	return append(k, id...)
}

// prioByte maps a priority to the index byte.
func prioByte(p int) []byte { return []byte{byte(min(max(p, -128), 127) + 128)} }

// load reads a message record.
func load(tx store.Tx, id string) (*Message, error) {
	v, err := tx.Get(msgSpace, []byte(id))
	if err != nil {
		return nil, err
	}
	m := &Message{}
	if err := json.Unmarshal(v, m); err != nil {
		return nil, fmt.Errorf("decode queued message %s: %w", id, err)
	}
	return m, nil
}

// save writes a message record and moves its due index entry from old
// to m.Due.
func save(tx store.Tx, m *Message, old time.Time) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode queued message %s: %w", m.ID, err)
	}
	if err := tx.Put(msgSpace, []byte(m.ID), v); err != nil {
		return err
	}
	if !old.IsZero() {
		if err := tx.Delete(dueSpace, dueKey(old, m.ID)); err != nil {
			return err
		}
	}
	return tx.Put(dueSpace, dueKey(m.Due, m.ID), prioByte(m.Priority))
}

// remove deletes a finished message and drops its blob reference.
func remove(tx store.Tx, m *Message) error {
	if err := tx.Delete(msgSpace, []byte(m.ID)); err != nil {
		return err
	}
	if err := tx.Delete(dueSpace, dueKey(m.Due, m.ID)); err != nil {
		return err
	}
	h, err := store.ParseHash(m.Blob)
	if err != nil {
		return err
	}
	_, err = store.BlobRefs{}.Dec(tx, h)
	return err
}

// decode decodes a record read by a scan.
func decode(k, v []byte) (*Message, error) {
	m := &Message{}
	if err := json.Unmarshal(v, m); err != nil {
		return nil, fmt.Errorf("decode queued message %s: %w", k, err)
	}
	return m, nil
}
