package mailstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// arrival is a message stored as a blob and parsed, with everything the
// records of a new email need; it is computed once, outside any
// transaction, however many accounts receive the message.
type arrival struct {
	blob   store.Hash
	size   int64
	parsed []byte   // stored form of the msgparse.Message
	base   emailRec // fields that do not depend on the account
	terms  map[string]byte
	// msgIDs are the Message-ID, In-Reply-To and References ids, the keys
	// threads are found by.
	msgIDs []string
	// lastReceived is the date of the topmost Received field, zero when
	// there is none.
	lastReceived time.Time
	// threadHint, when set, is the thread a copy joins.
	threadHint uint64
}

// storeMessage streams r into the blob store and through the parser at
// once, so the message is read a single time and never held whole.
func (s *Store) storeMessage(ctx context.Context, r io.Reader) (*arrival, error) {
	pr, pw := io.Pipe()
	type result struct {
		m   *msgparse.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := msgparse.ParseOptions(pr, s.opts.Parse)
		// Keep draining so that the blob writer never blocks on the pipe.
		_, _ = io.Copy(io.Discard, pr)
		done <- result{m, err}
	}()
	h, size, err := s.blobs.Put(ctx, io.TeeReader(r, pw))
	pw.CloseWithError(err)
	res := <-done
	if err != nil {
		return nil, fmt.Errorf("store message blob: %w", err)
	}
	if res.err != nil {
		return nil, fmt.Errorf("parse message: %w", res.err)
	}
	return s.newArrival(h, size, res.m)
}

// loadMessage parses a message already in the blob store.
func (s *Store) loadMessage(ctx context.Context, h store.Hash) (*arrival, error) {
	rc, err := s.blobs.Open(ctx, h, 0, -1)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("blob %s: %w", h, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", h, err)
	}
	defer rc.Close()
	m, err := msgparse.ParseOptions(rc, s.opts.Parse)
	if err != nil {
		return nil, fmt.Errorf("parse blob %s: %w", h, err)
	}
	arr, err := s.newArrival(h, m.Size, m)
	if err != nil {
		return nil, err
	}
	arr.lastReceived = s.receivedDate(ctx, h, m.HeaderSize)
	return arr, nil
}

func (s *Store) newArrival(h store.Hash, size int64, m *msgparse.Message) (*arrival, error) {
	f := newFolder()
	arr := &arrival{blob: h, size: size, terms: map[string]byte{}}
	b := &arr.base
	b.blob, b.size = h, size
	b.subject = f.fold(m.Subject)
	b.baseSubj = f.fold(m.ThreadSubject)
	if !m.Date.IsZero() {
		b.sent = m.Date.Unix()
	}
	b.from, b.sortFrom = addressText(f, m.From)
	b.to, b.sortTo = addressText(f, m.To)
	b.cc, b.sortCc = addressText(f, m.Cc)
	b.bcc, _ = addressText(f, m.Bcc)

	arr.index(f, s.stemmer, m, s.opts.MaxIndexText)
	if m.MessageID != "" {
		arr.msgIDs = append(arr.msgIDs, m.MessageID)
	}
	arr.msgIDs = append(append(arr.msgIDs, m.InReplyTo...), m.References...)

	enc, err := m.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode parsed message: %w", err)
	}
	arr.parsed = enc
	return arr, nil
}

// addressText returns the folded "name <addr>" list of an address header
// for substring matching, and the folded first address for sorting
// (RFC 5256 section 3, "addr-mailbox" then host).
func addressText(f *folder, list []msgparse.Address) (all, first string) {
	var sb strings.Builder
	for _, a := range list {
		if a.Kind != msgparse.KindMailbox {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString(", ")
		}
		if a.Name != "" {
			sb.WriteString(a.Name)
			sb.WriteString(" ")
		}
		sb.WriteString("<" + a.Addr() + ">")
		if first == "" {
			first = a.Addr()
		}
	}
	return f.fold(sb.String()), f.fold(first)
}

// index collects the words of the message for the full-text index, and
// the stems of those that have one of their own.
func (arr *arrival) index(f *folder, st *stemmer, m *msgparse.Message, maxText int) {
	add := func(text string, field byte) {
		tokenize(f.fold(text), false, func(w string) { arr.terms[w] |= field })
	}
	add(arr.base.subject, fieldSubject)
	for _, list := range [][]msgparse.Address{m.From, m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			add(a.Name+" "+a.Addr(), fieldAddress)
		}
	}
	for _, p := range m.Attachments {
		if p.Filename != "" {
			add(p.Filename, fieldAttach)
		}
	}
	text := m.SearchText()
	if len(text) > maxText {
		text = text[:maxText]
	}
	add(text, fieldBody)
	if st == nil {
		return
	}
	stems := map[string]byte{}
	for w, field := range arr.terms {
		if s := st.stem(w); s != "" {
			stems[stemMark+s] |= field
		}
	}
	for s, field := range stems {
		arr.terms[s] |= field
	}
}

// receivedDate reads the date of the topmost Received field, the time the
// message last arrived somewhere (RFC 5321 section 4.4, RFC 8621 section
// 4.8 for Email/import).
func (s *Store) receivedDate(ctx context.Context, h store.Hash, headerSize int64) time.Time {
	rc, err := s.blobs.Open(ctx, h, 0, headerSize)
	if err != nil {
		return time.Time{}
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var field string
	for {
		line, err := br.ReadString('\n')
		trimmed := strings.TrimRight(line, "\r\n")
		if field != "" && (strings.HasPrefix(trimmed, " ") || strings.HasPrefix(trimmed, "\t")) {
			field += " " + strings.TrimSpace(trimmed)
		} else if field != "" {
			break
		} else if len(trimmed) > 9 && strings.EqualFold(trimmed[:9], "received:") {
			field = trimmed[9:]
		}
		if err != nil || trimmed == "" {
			break
		}
	}
	i := strings.LastIndexByte(field, ';')
	if i < 0 {
		return time.Time{}
	}
	t, ok := msgparse.ParseDate(strings.TrimSpace(field[i+1:]))
	if !ok {
		return time.Time{}
	}
	return t
}
