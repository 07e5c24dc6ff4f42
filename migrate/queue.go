package migrate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/store"
)

// queuedJSON is one line of queue/messages.jsonl: a message pending
// delivery with its envelope (RFC 5321 reverse-path, RFC 3461 DSN
// parameters, RFC 8689 REQUIRETLS) and its recipients' states.
type queuedJSON struct {
	ID         string          `json:"id"`
	From       string          `json:"from"`
	Blob       string          `json:"blob"`
	Size       int64           `json:"size"`
	Prefix     string          `json:"prefix,omitempty"`
	Priority   int             `json:"priority,omitempty"`
	Created    time.Time       `json:"created"`
	Ret        string          `json:"ret,omitempty"`
	EnvID      string          `json:"envid,omitempty"`
	RequireTLS bool            `json:"requiretls,omitempty"`
	SMTPUTF8   bool            `json:"smtputf8,omitempty"`
	EightBit   bool            `json:"eightbit,omitempty"`
	Recipients []recipientJSON `json:"recipients"`
}

// recipientJSON is one recipient of a queued message.
type recipientJSON struct {
	Address     string    `json:"address"`
	Notify      []string  `json:"notify,omitempty"`
	ORcpt       string    `json:"orcpt,omitempty"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	Code        int       `json:"code,omitempty"`
	Status      string    `json:"status,omitempty"`
	Diagnostic  string    `json:"diagnostic,omitempty"`
	RemoteMTA   string    `json:"remote_mta,omitempty"`
	Warned      bool      `json:"warned,omitempty"`
}

func queuedOf(m *queue.Message) queuedJSON {
	q := queuedJSON{ID: m.ID, From: m.From, Blob: m.Blob, Size: m.Size, Prefix: m.Prefix,
		Priority: m.Priority, Created: m.Created.UTC(), Ret: m.Ret, EnvID: m.EnvID,
		RequireTLS: m.RequireTLS, SMTPUTF8: m.SMTPUTF8, EightBit: m.EightBit,
		Recipients: []recipientJSON{}}
	for _, r := range m.Recipients {
		q.Recipients = append(q.Recipients, recipientJSON{Address: r.Address,
			Notify: r.Notify, ORcpt: r.ORcpt, State: string(r.State), Attempts: r.Attempts,
			NextAttempt: r.NextAttempt.UTC(), LastAttempt: r.LastAttempt.UTC(), Code: r.Code,
			Status: r.Status, Diagnostic: r.Diagnostic, RemoteMTA: r.RemoteMTA,
			Warned: r.Warned})
	}
	return q
}

func (q queuedJSON) message() *queue.Message {
	m := &queue.Message{ID: q.ID, From: q.From, Blob: q.Blob, Size: q.Size,
		Prefix: q.Prefix, Priority: q.Priority, Created: q.Created, Ret: q.Ret,
		EnvID: q.EnvID, RequireTLS: q.RequireTLS, SMTPUTF8: q.SMTPUTF8, EightBit: q.EightBit}
	for _, r := range q.Recipients {
		m.Recipients = append(m.Recipients, &queue.Recipient{Address: r.Address,
			Notify: r.Notify, ORcpt: r.ORcpt, State: queue.State(r.State),
			Attempts: r.Attempts, NextAttempt: r.NextAttempt, LastAttempt: r.LastAttempt,
			Code: r.Code, Status: r.Status, Diagnostic: r.Diagnostic, RemoteMTA: r.RemoteMTA,
			Warned: r.Warned})
	}
	return m
}

// exportQueue writes the messages pending delivery and their contents.
func (e *exporter) exportQueue(ctx context.Context) error {
	if e.src.KV == nil || e.src.Blobs == nil || len(e.opts.Accounts) > 0 {
		return nil
	}
	path := filepath.Join(e.dir, queueFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("export queue: %w", err)
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return fmt.Errorf("export queue: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	err = queue.Export(ctx, e.src.KV, func(m *queue.Message) error {
		if err := e.writeQueuedContent(ctx, m); err != nil {
			return err
		}
		e.man.Queued++
		return enc.Encode(queuedOf(m))
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		return fmt.Errorf("export queue: %w", err)
	}
	e.log.Info("queue exported", "messages", e.man.Queued)
	return nil
}

// writeQueuedContent writes a queued message's content under blobs/,
// beside the mail, once.
func (e *exporter) writeQueuedContent(ctx context.Context, m *queue.Message) error {
	if e.blobs[m.Blob] {
		return nil
	}
	path := filepath.Join(e.dir, blobPath(m.Blob))
	if st, err := os.Stat(path); err != nil || st.Size() != m.Size {
		rc, err := queue.OpenContent(ctx, e.src.Blobs, m)
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := copyToFile(path, rc); err != nil {
			return err
		}
	}
	e.blobs[m.Blob] = true
	e.countBlob(m.Size)
	return nil
}

// importQueue queues the exported messages again in the target. Each
// message already queued there (an import run again) is left alone.
func (im *importer) importQueue(ctx context.Context) error {
	f, err := os.Open(filepath.Join(im.dir, queueFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("import queue: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	n := 0
	for dec.More() {
		var q queuedJSON
		if err := dec.Decode(&q); err != nil {
			return fmt.Errorf("import queue: %w: %w", ErrBadExport, err)
		}
		if err := im.importQueued(ctx, q); err != nil {
			return fmt.Errorf("import queue: %w", err)
		}
		n++
	}
	im.log.Info("queue imported", "messages", n)
	return nil
}

func (im *importer) importQueued(ctx context.Context, q queuedJSON) error {
	if _, err := store.ParseHash(q.Blob); err != nil {
		return fmt.Errorf("queued message %q: %w", q.ID, ErrBadExport)
	}
	body, err := os.Open(filepath.Join(im.dir, blobPath(q.Blob)))
	if err != nil {
		return fmt.Errorf("queued message %q: %w", q.ID, err)
	}
	defer body.Close()
	return queue.Import(ctx, im.dst.KV, im.dst.Blobs, q.message(),
		bufio.NewReaderSize(body, 64<<10))
}
