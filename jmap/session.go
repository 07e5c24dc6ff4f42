package jmap

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Capability URIs (RFC 8620 section 9.4, RFC 8621 section 10.1, RFC
// 9425 section 7, RFC 8887 section 4.2).
const (
	CapCore         = "urn:ietf:params:jmap:core"
	CapMail         = "urn:ietf:params:jmap:mail"
	CapSubmission   = "urn:ietf:params:jmap:submission"
	CapVacation     = "urn:ietf:params:jmap:vacationresponse"
	CapQuota        = "urn:ietf:params:jmap:quota"
	CapWebSocket    = "urn:ietf:params:jmap:websocket"
	CapBlob         = "urn:ietf:params:jmap:blob"
	sessionStateKey = "s1"
)

// coreCapability is the urn:ietf:params:jmap:core object (RFC 8620
// section 2).
type coreCapability struct {
	MaxSizeUpload         int64    `json:"maxSizeUpload"`
	MaxConcurrentUpload   int      `json:"maxConcurrentUpload"`
	MaxSizeRequest        int64    `json:"maxSizeRequest"`
	MaxConcurrentRequests int      `json:"maxConcurrentRequests"`
	MaxCallsInRequest     int      `json:"maxCallsInRequest"`
	MaxObjectsInGet       int      `json:"maxObjectsInGet"`
	MaxObjectsInSet       int      `json:"maxObjectsInSet"`
	CollationAlgorithms   []string `json:"collationAlgorithms"`
}

type sessionAccount struct {
	Name                string         `json:"name"`
	IsPersonal          bool           `json:"isPersonal"`
	IsReadOnly          bool           `json:"isReadOnly"`
	AccountCapabilities map[string]any `json:"accountCapabilities"`
}

type session struct {
	Capabilities    map[string]any            `json:"capabilities"`
	Accounts        map[string]sessionAccount `json:"accounts"`
	PrimaryAccounts map[string]string         `json:"primaryAccounts"`
	Username        string                    `json:"username"`
	APIURL          string                    `json:"apiUrl"`
	DownloadURL     string                    `json:"downloadUrl"`
	UploadURL       string                    `json:"uploadUrl"`
	EventSourceURL  string                    `json:"eventSourceUrl"`
	State           string                    `json:"state"`
}

// capabilities lists the capabilities the server supports with their
// server-wide values.
func (h *Handler) capabilities() map[string]any {
	o := h.opts
	caps := map[string]any{
		CapCore: coreCapability{
			MaxSizeUpload: o.MaxSizeUpload, MaxConcurrentUpload: o.MaxConcurrentUpload,
			MaxSizeRequest: o.MaxSizeRequest, MaxConcurrentRequests: o.MaxConcurrentRequests,
			MaxCallsInRequest: o.MaxCallsInRequest, MaxObjectsInGet: o.MaxObjectsInGet,
			MaxObjectsInSet:     o.MaxObjectsInSet,
			CollationAlgorithms: []string{"i;ascii-casemap", "i;unicode-casemap"},
		},
		CapMail:     struct{}{},
		CapVacation: struct{}{},
		CapQuota:    struct{}{},
		CapBlob:     struct{}{},
		// The session resource fills in the URL.
		CapWebSocket: struct{}{},
	}
	if o.Submitter != nil {
		caps[CapSubmission] = struct{}{}
	}
	if o.Sieve != nil {
		caps[CapSieve] = struct{}{}
	}
	return caps
}

// accountCapabilities are the per-account capability objects (RFC 8621
// section 1.3.1 and 1.3.2).
func (h *Handler) accountCapabilities() map[string]any {
	caps := map[string]any{
		CapMail: map[string]any{
			"maxMailboxesPerEmail":       nil,
			"maxMailboxDepth":            nil,
			"maxSizeMailboxName":         490,
			"maxSizeAttachmentsPerEmail": h.opts.MaxSizeUpload,
			"emailQuerySortOptions": []string{"receivedAt", "sentAt", "size",
				"subject", "from", "to", "cc"},
			"mayCreateTopLevelMailbox": true,
		},
		CapVacation: struct{}{},
		CapQuota:    struct{}{},
		CapBlob: map[string]any{
			"maxSizeBlobSet": nil, "maxDataSources": 64,
			"supportedTypeNames": []string{"Email"}, "supportedDigestAlgorithms": []string{},
		},
	}
	if h.opts.Sieve != nil {
		caps[CapSieve] = map[string]any{"maxSizeScriptName": 255,
			"maxSizeScript": h.opts.Sieve.MaxScriptSize(), "maxNumberScripts": nil,
			"maxNumberRedirects":  h.opts.Sieve.Options().MaxRedirectsLimit(),
			"sieveExtensions":     h.opts.Sieve.Options().Capabilities(),
			"notificationMethods": nil, "externalLists": nil}
	}
	if h.opts.Submitter != nil {
		caps[CapSubmission] = map[string]any{
			"maxDelayedSend": 0, "submissionExtensions": map[string]any{},
		}
	}
	return caps
}

// sharedCapabilities are the capabilities of an account shared with the
// user: its mail only.
func (h *Handler) sharedCapabilities() map[string]any {
	return map[string]any{CapMail: h.accountCapabilities()[CapMail]}
}

// serveSession answers GET /.well-known/jmap (RFC 8620 section 2).
func (h *Handler) serveSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := principalOf(r.Context())
	id := accountID(p.name)
	base := h.baseURL(r)
	s := session{
		Capabilities: h.capabilities(),
		Accounts: map[string]sessionAccount{id: {
			Name: p.name, IsPersonal: true,
			AccountCapabilities: h.accountCapabilities(),
		}},
		PrimaryAccounts: map[string]string{},
		Username:        p.name,
		APIURL:          base + PathAPI,
		DownloadURL:     base + PathDownload + "{accountId}/{blobId}/{name}?type={type}",
		UploadURL:       base + PathUpload + "{accountId}/",
		EventSourceURL: base + PathEventSource +
			"?types={types}&closeafter={closeafter}&ping={ping}",
		State: p.sessionState(),
	}
	for _, name := range p.shared {
		s.Accounts[accountID(name)] = sessionAccount{Name: name,
			AccountCapabilities: h.sharedCapabilities()}
	}
	ws := "ws" + strings.TrimPrefix(base, "http")
	s.Capabilities[CapWebSocket] = map[string]any{"url": ws + PathWebSocket,
		"supportsPush": true}
	for c := range h.accountCapabilities() {
		s.PrimaryAccounts[c] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	_ = json.NewEncoder(w).Encode(s)
}
