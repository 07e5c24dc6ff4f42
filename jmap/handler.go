package jmap

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// Paths under which the handler serves; the host mounts the handler at
// the root of its origin (or strips a prefix given in Options.BaseURL).
const (
	PathSession     = "/.well-known/jmap"
	PathAPI         = "/jmap/api"
	PathUpload      = "/jmap/upload/"
	PathDownload    = "/jmap/download/"
	PathEventSource = "/jmap/eventsource"
)

// ErrNoStore is returned by New when Options.Store or Options.Directory
// is nil.
var ErrNoStore = errors.New("jmap: Store, KV, Blobs and Directory are required")

// Handler serves JMAP (RFC 8620, RFC 8621) over HTTP. It is safe for
// concurrent use.
type Handler struct {
	opts    Options
	ms      *mailstore.Store
	data    *data
	mux     *http.ServeMux
	methods map[string]method
	reqSem  chan struct{}
	upSem   chan struct{}

	known   sync.Map // accounts known to exist
	identMu sync.Mutex
	pushers sync.WaitGroup
	// dispatching marks accounts whose changes are pushed; under mu.
	dispatching map[string]bool
	creds       *credCache
	authGroup   singleflight.Group
	countGroup  singleflight.Group
	threads     threadCountCache
	queries     queryCache
	mu          sync.Mutex
	closed      bool
	done        chan struct{}
	inflight    sync.WaitGroup
}

// New returns a Handler serving the store's accounts.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil || opts.Directory == nil || opts.KV == nil || opts.Blobs == nil {
		return nil, ErrNoStore
	}
	opts = opts.withDefaults()
	h := &Handler{
		opts:        opts,
		ms:          opts.Store,
		data:        &data{kv: opts.KV},
		mux:         http.NewServeMux(),
		reqSem:      make(chan struct{}, opts.MaxConcurrentRequests),
		upSem:       make(chan struct{}, opts.MaxConcurrentUpload),
		done:        make(chan struct{}),
		dispatching: map[string]bool{},
		creds:       newCredCache(opts.AuthCacheTTL, 10_000),
	}
	h.methods = h.methodTable()
	h.mux.HandleFunc(PathSession, h.auth(h.serveSession))
	h.mux.HandleFunc(PathAPI, h.auth(h.serveAPI))
	h.mux.HandleFunc(PathUpload, h.auth(h.serveUpload))
	h.mux.HandleFunc(PathDownload, h.auth(h.serveDownload))
	h.mux.HandleFunc(PathEventSource, h.auth(h.serveEventSource))
	h.mux.HandleFunc(PathWebSocket, h.auth(h.serveWebSocket))
	return h, nil
}

// ServeHTTP dispatches a request to the session resource, the API, the
// upload and download endpoints or the event source.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			h.opts.Logger.Error("jmap handler panic", "panic", v, "path", r.URL.Path)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// Shutdown ends the event streams and WebSocket connections in progress
// and waits for them, or for ctx, to finish; the handler refuses further
// streams. Ordinary requests are drained by http.Server's Shutdown.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		h.inflight.Wait()
		h.pushers.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shut down jmap handler: %w", ctx.Err())
	}
}

// accountID returns the JMAP Id of an account: the login name in
// URL-safe base64 behind an "a", so that it holds only Id characters
// (RFC 8620 section 1.2).
func accountID(name string) string {
	return "a" + base64.RawURLEncoding.EncodeToString([]byte(name))
}

func accountName(id string) (string, bool) {
	if !strings.HasPrefix(id, "a") {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(id[1:])
	return string(b), err == nil
}

func (h *Handler) baseURL(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return strings.TrimSuffix(h.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
