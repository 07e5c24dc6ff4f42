package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FormatName is the value of Manifest.Format in every export.
const FormatName = "bulwark-export"

// FormatVersion is the version of the export format this package writes.
// Import reads every version up to it and refuses newer ones with
// ErrFormatTooNew. See FORMAT.md.
const FormatVersion = 1

// Errors returned by Export and Import. They are wrapped with context.
var (
	// ErrNotExport is returned by Import for a folder without a complete
	// manifest.json (not an export, or an export that did not finish).
	ErrNotExport = errors.New("migrate: not a complete export")
	// ErrFormatTooNew is returned by Import for an export written in a
	// newer version of the format.
	ErrFormatTooNew = errors.New("migrate: export format too new")
	// ErrNotEmpty is returned by Import when the target already holds
	// accounts or principals and ImportOptions.Merge is not set, unless
	// the target holds a partial import of the same export (resume).
	ErrNotEmpty = errors.New("migrate: target store is not empty")
	// ErrBadExport is returned when a file of the export is malformed or
	// a message does not match its recorded hash.
	ErrBadExport = errors.New("migrate: malformed export")
)

// File and folder names of the format.
const (
	manifestFile   = "manifest.json"
	principalsFile = "directory/principals.json"
	domainsFile    = "directory/domains.json"
	blobsDir       = "blobs"
	accountsDir    = "accounts"
	accountFile    = "account.json"
	mailboxesFile  = "mailboxes.json"
	messagesFile   = "messages.jsonl"
	sieveFile      = "sieve.json"
	sieveDir       = "sieve"
	jmapFile       = "jmap.json"
	queueFile      = "queue/messages.jsonl"
)

// Manifest describes an export; it is written last, so a folder without
// it is an export that did not finish.
type Manifest struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Counts of what the export holds. Messages counts emails (one per
	// stored message of an account, whatever mailboxes hold it); Blobs
	// and Bytes the distinct message files.
	Accounts   int   `json:"accounts"`
	Principals int   `json:"principals"`
	Domains    int   `json:"domains"`
	Messages   int64 `json:"messages"`
	Blobs      int64 `json:"blobs"`
	Bytes      int64 `json:"bytes"`
	Scripts    int   `json:"scripts"`
	// Queued counts the messages of queue/messages.jsonl.
	Queued int `json:"queued,omitempty"`
	// AccountDirs maps each account name to its folder under accounts/.
	AccountDirs map[string]string `json:"account_dirs"`
}

// principalJSON is one entry of directory/principals.json.
type principalJSON struct {
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	DisplayName  string    `json:"display_name,omitempty"`
	Emails       []string  `json:"emails,omitempty"`
	Quota        int64     `json:"quota,omitempty"`
	MemberOf     []string  `json:"member_of,omitempty"`
	Members      []string  `json:"members,omitempty"`
	Roles        []string  `json:"roles,omitempty"`
	Secret       string    `json:"secret,omitempty"`
	AppPasswords []appJSON `json:"app_passwords,omitempty"`
}

// appJSON is an app password in its hashed form.
type appJSON struct {
	Label string `json:"label"`
	Hash  string `json:"hash"`
}

// accountJSON is accounts/<dir>/account.json.
type accountJSON struct {
	Name        string `json:"name"`
	MaxBytes    int64  `json:"max_bytes,omitempty"`
	MaxMessages int64  `json:"max_messages,omitempty"`
	Messages    int64  `json:"messages"`
	// HighestModSeq is the account's highest MODSEQ (RFC 7162 section
	// 3.1), which the target's MODSEQs start above.
	HighestModSeq uint64 `json:"highest_modseq,omitempty"`
}

// mailboxJSON is one entry of mailboxes.json.
type mailboxJSON struct {
	Name          string `json:"name"`
	Role          string `json:"role,omitempty"`
	Subscribed    bool   `json:"subscribed"`
	SortOrder     uint32 `json:"sort_order,omitempty"`
	UIDValidity   uint32 `json:"uidvalidity"`
	UIDNext       uint32 `json:"uidnext"`
	HighestModSeq uint64 `json:"highest_modseq"`
}

// messageJSON is one line of messages.jsonl: one email of the account.
type messageJSON struct {
	Blob      string     `json:"blob"`
	Size      int64      `json:"size"`
	Received  time.Time  `json:"received"`
	Keywords  []string   `json:"keywords,omitempty"`
	Mailboxes []linkJSON `json:"mailboxes"`
}

// linkJSON is a mailbox holding an email, with the email's UID and MODSEQ
// there.
type linkJSON struct {
	Name   string `json:"name"`
	UID    uint32 `json:"uid"`
	ModSeq uint64 `json:"modseq,omitempty"`
}

// scriptJSON is one entry of sieve.json.
type scriptJSON struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Active bool   `json:"active,omitempty"`
}

// blobPath is the file of a message under the export root.
func blobPath(hash string) string {
	return filepath.Join(blobsDir, hash[:2], hash+".eml")
}

// writeJSON writes v to root/name atomically (temporary file, rename).
func writeJSON(root, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return writeFileAtomic(filepath.Join(root, name), b)
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readJSON decodes root/name into v; a missing file leaves v alone when
// optional.
func readJSON(root, name string, v any, optional bool) error {
	b, err := os.ReadFile(filepath.Join(root, name))
	if optional && errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("read %s: %w: %w", name, ErrBadExport, err)
	}
	return nil
}

// readManifest reads and checks the manifest of an export.
func readManifest(root string) (Manifest, error) {
	var m Manifest
	if err := readJSON(root, manifestFile, &m, false); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return m, fmt.Errorf("read export %s: %w", root, ErrNotExport)
		}
		return m, err
	}
	switch {
	case m.Format != FormatName:
		return m, fmt.Errorf("read export %s: %w", root, ErrNotExport)
	case m.Version > FormatVersion:
		return m, fmt.Errorf("read export version %d: %w", m.Version, ErrFormatTooNew)
	}
	return m, nil
}

// readFile reads the file rel of the export folder root, refusing names
// that would leave it.
func readFile(root, rel string) ([]byte, error) {
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("read %s: %w", rel, ErrBadExport)
	}
	return os.ReadFile(filepath.Join(root, rel))
}
