package jmap

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/msgparse"
	"github.com/bulwarkmail/bulwark/store"
)

// mayReadBlob reports whether the account uploaded the blob or holds an
// email made of it.
func (h *Handler) mayReadBlob(ctx context.Context, acct string, hash store.Hash) (bool, error) {
	if _, ok, err := h.data.getUpload(ctx, acct, hash); err != nil || ok {
		return ok, err
	}
	return h.ms.HasBlob(ctx, acct, hash)
}

// serveUpload stores a POSTed blob (RFC 8620 section 6.1).
func (h *Handler) serveUpload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := principalOf(r.Context())
	id := strings.Trim(strings.TrimPrefix(r.URL.Path, PathUpload), "/")
	acct, ok := accountName(id)
	if !ok || !p.mayUse(acct) {
		http.Error(w, "account not found", http.StatusNotFound)
		return
	}
	select {
	case h.upSem <- struct{}{}:
		defer func() { <-h.upSem }()
	default:
		writeProblem(w, problem{Type: ProblemLimit, Status: http.StatusTooManyRequests,
			Limit: "maxConcurrentUpload"})
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxSizeUpload)
	hash, size, err := h.opts.Blobs.Put(r.Context(), body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, problem{Type: ProblemLimit, Status: http.StatusRequestEntityTooLarge,
			Limit: "maxSizeUpload"})
		return
	}
	typ := r.Header.Get("Content-Type")
	if typ == "" {
		typ = "application/octet-stream"
	}
	if err == nil {
		err = h.data.putUpload(r.Context(), acct, hash, upload{Type: typ, Size: size})
	}
	if err != nil {
		h.opts.Logger.Error("jmap upload failed", "account", acct, "err", err)
		http.Error(w, "upload failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"accountId": id,
		"blobId": blobIDOf(hash), "type": typ, "size": size})
}

// serveDownload sends a blob (RFC 8620 section 6.2):
// /jmap/download/{accountId}/{blobId}/{name}?type={type}.
func (h *Handler) serveDownload(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	segs := strings.SplitN(strings.TrimPrefix(r.URL.Path, PathDownload), "/", 3)
	if len(segs) < 2 {
		http.NotFound(w, r)
		return
	}
	acct, ok := accountName(segs[0])
	if !ok || !p.mayUse(acct) {
		http.NotFound(w, r)
		return
	}
	rd, err := h.openBlob(r.Context(), acct, segs[1])
	if errors.Is(err, mailstore.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.opts.Logger.Error("jmap download failed", "account", acct, "err", err)
		http.Error(w, "download failed", http.StatusInternalServerError)
		return
	}
	defer rd.Close()
	typ := r.URL.Query().Get("type")
	if _, _, err := mime.ParseMediaType(typ); err != nil {
		typ = "application/octet-stream"
	}
	w.Header().Set("Content-Type", typ)
	if len(segs) == 3 && segs[2] != "" {
		w.Header().Set("Content-Disposition",
			mime.FormatMediaType("attachment", map[string]string{"filename": segs[2]}))
	}
	w.Header().Set("Cache-Control", "private, immutable, max-age=31536000")
	_, _ = io.Copy(w, rd)
}

// openBlob opens a blob the account may read: a whole stored blob or the
// decoded body of one part of an email.
func (h *Handler) openBlob(ctx context.Context, acct, id string) (io.ReadCloser, error) {
	hash, emailID, partID, ok := parseBlobID(id)
	if !ok {
		return nil, mailstore.ErrNotFound
	}
	if emailID == "" {
		if ok, err := h.mayReadBlob(ctx, acct, hash); err != nil || !ok {
			return nil, orNotFound(err)
		}
		return h.opts.Blobs.Open(ctx, hash, 0, -1)
	}
	e, err := h.ms.Email(ctx, acct, mailstore.EmailID(emailID))
	if err != nil {
		return nil, err
	}
	var part *msgparse.Part
	for p, pid := range partIDs(e.Parsed) {
		if pid == partID {
			part = p
		}
	}
	if part == nil || part.IsMultipart() {
		return nil, mailstore.ErrNotFound
	}
	raw := &blobReaderAt{ctx: ctx, blobs: h.opts.Blobs, hash: e.Blob}
	return readCloser{part.BodyReader(raw), raw}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return mailstore.ErrNotFound
}
