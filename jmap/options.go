package jmap

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/store"
)

// Submitter hands a message to the outbound queue for EmailSubmission
// (RFC 8621 section 7). The host wires it to the queue. Submit reads r to
// its end; it returns once the queue holds the message durably.
type Submitter interface {
	Submit(ctx context.Context, from string, rcpts []string, r io.Reader) error
}

// TokenValidator checks an OAuth 2.0 bearer token (RFC 6750) presented in
// an Authorization header and returns the login name it was issued to.
type TokenValidator interface {
	ValidateToken(ctx context.Context, token string) (account string, err error)
}

// Options configure a Handler. Store and Directory are required; the
// zero value of every other field is safe.
type Options struct {
	// Store holds the mail.
	Store *mailstore.Store
	// KV and Blobs are where the handler keeps its own data (uploads,
	// identities, vacation responses, submissions). KV is usually the one
	// Store was opened on; Blobs must be the mailstore's blob store so
	// that uploads can be imported.
	KV    store.KV
	Blobs store.BlobStore
	// Directory authenticates users (HTTP Basic) and names them.
	Directory directory.Directory
	// Tokens, when set, accepts "Authorization: Bearer" tokens.
	Tokens TokenValidator
	// Access, when set, lets principals use the mail of accounts other
	// than their own; nil serves each its own account only.
	Access AccountAccess
	// Submitter sends EmailSubmission messages; nil leaves the
	// submission capability out.
	Submitter Submitter
	// Sieve, when set, serves JMAP for Sieve (RFC 9661) from the
	// account's stored scripts.
	Sieve *sieve.Storage
	// BaseURL is the scheme, host and path prefix under which the handler
	// is mounted, such as "https://mail.example.org"; empty takes it from
	// each request.
	BaseURL string
	// AllowPlainAuth accepts HTTP Basic over plain HTTP. By default Basic
	// is refused unless the request came over TLS.
	AllowPlainAuth bool
	// Logger receives structured events; nil discards them.
	Logger *slog.Logger

	// MaxSizeUpload caps an upload in octets; default 50 MB.
	MaxSizeUpload int64
	// MaxConcurrentUpload caps uploads running at once; default 4 (RFC
	// 8620 section 2 suggests at least 4).
	MaxConcurrentUpload int
	// MaxSizeRequest caps an API request body; default 10 MB (RFC
	// minimum 10,000,000).
	MaxSizeRequest int64
	// MaxConcurrentRequests caps API requests running at once; default
	// 16 (RFC minimum 4).
	MaxConcurrentRequests int
	// MaxCallsInRequest caps method calls per request; default 32 (RFC
	// minimum 16).
	MaxCallsInRequest int
	// MaxObjectsInGet caps ids in a /get; default 500 (RFC minimum 500).
	MaxObjectsInGet int
	// MaxObjectsInSet caps objects changed by one /set; default 500 (RFC
	// minimum 500).
	MaxObjectsInSet int
	// MaxBodyValueBytes caps each body value Email/get returns when the
	// client sets no maxBodyValueBytes; default 1 MB.
	MaxBodyValueBytes int
	// PushClient sends PushSubscription requests; default an
	// http.Client with a 30-second timeout.
	PushClient *http.Client
	// AllowInsecurePush accepts push URLs over plain HTTP (tests only);
	// RFC 8620 section 7.2 asks for HTTPS.
	AllowInsecurePush bool
	// AuthCacheTTL is how long HTTP Basic credentials that authenticated
	// are remembered, sparing a password hash per request; default one
	// minute, negative disables the cache. A changed password is honoured
	// once the entry expires.
	AuthCacheTTL time.Duration
	// PingMin is the smallest EventSource ping interval a client may ask
	// for, in seconds; default 5.
	PingMin int
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def64(&o.MaxSizeUpload, 50<<20)
	def(&o.MaxConcurrentUpload, 4)
	def64(&o.MaxSizeRequest, 10_000_000)
	def(&o.MaxConcurrentRequests, 16)
	def(&o.MaxCallsInRequest, 32)
	def(&o.MaxObjectsInGet, 500)
	def(&o.MaxObjectsInSet, 500)
	def(&o.MaxBodyValueBytes, 1<<20)
	def(&o.PingMin, 5)
	if o.PushClient == nil {
		o.PushClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.AuthCacheTTL == 0 {
		o.AuthCacheTTL = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
