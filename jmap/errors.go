package jmap

import (
	"encoding/json"
	"net/http"
)

// Request-level error types (RFC 8620 section 3.6.1), sent as problem
// details (RFC 7807).
const (
	ProblemUnknownCapability = "urn:ietf:params:jmap:error:unknownCapability"
	ProblemNotJSON           = "urn:ietf:params:jmap:error:notJSON"
	ProblemNotRequest        = "urn:ietf:params:jmap:error:notRequest"
	ProblemLimit             = "urn:ietf:params:jmap:error:limit"
)

// Method-level error types (RFC 8620 section 3.6.2, RFC 8621).
const (
	ErrTypeServerUnavailable      = "serverUnavailable"
	ErrTypeServerFail             = "serverFail"
	ErrTypeUnknownMethod          = "unknownMethod"
	ErrTypeInvalidArguments       = "invalidArguments"
	ErrTypeInvalidResultReference = "invalidResultReference"
	ErrTypeForbidden              = "forbidden"
	ErrTypeAccountNotFound        = "accountNotFound"
	ErrTypeAccountNotSupported    = "accountNotSupportedByMethod"
	ErrTypeRequestTooLarge        = "requestTooLarge"
	ErrTypeStateMismatch          = "stateMismatch"
	ErrTypeCannotCalculate        = "cannotCalculateChanges"
	ErrTypeAnchorNotFound         = "anchorNotFound"
	ErrTypeUnsupportedSort        = "unsupportedSort"
	ErrTypeUnsupportedFilter      = "unsupportedFilter"
	ErrTypeTooManyChanges         = "tooManyChanges"
	ErrTypeFromAccountNotFound    = "fromAccountNotFound"
)

// SetError types of /set (RFC 8620 section 5.3, RFC 8621).
const (
	SetErrForbidden        = "forbidden"
	SetErrOverQuota        = "overQuota"
	SetErrTooLarge         = "tooLarge"
	SetErrNotFound         = "notFound"
	SetErrInvalidPatch     = "invalidPatch"
	SetErrInvalidProps     = "invalidProperties"
	SetErrSingleton        = "singleton"
	SetErrAlreadyExists    = "alreadyExists"
	SetErrMailboxHasChild  = "mailboxHasChild"
	SetErrMailboxHasEmail  = "mailboxHasEmail"
	SetErrBlobNotFound     = "blobNotFound"
	SetErrTooManyKeywords  = "tooManyKeywords"
	SetErrTooManyMailboxes = "tooManyMailboxes"
	SetErrInvalidEmail     = "invalidEmail"
	SetErrTooManyRcpts     = "tooManyRecipients"
	SetErrNoRecipients     = "noRecipients"
	SetErrInvalidRcpts     = "invalidRecipients"
	SetErrForbiddenFrom    = "forbiddenFrom"
	SetErrCannotUnsend     = "cannotUnsend"
)

// MethodError is the error of one method call (RFC 8620 section 3.6.2):
// it becomes an "error" response carrying Type and Description.
type MethodError struct {
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	// Properties names the arguments at fault, for invalidArguments.
	Properties []string `json:"properties,omitempty"`
}

// Error returns the error type and description.
func (e *MethodError) Error() string {
	if e.Description == "" {
		return "jmap: " + e.Type
	}
	return "jmap: " + e.Type + ": " + e.Description
}

func methodErr(typ, desc string) *MethodError {
	return &MethodError{Type: typ, Description: desc}
}

func invalidArgs(desc string) *MethodError {
	return &MethodError{Type: ErrTypeInvalidArguments, Description: desc}
}

// SetError is the reason one object of a /set, /copy or /import could not
// be created, updated or destroyed (RFC 8620 section 5.3).
type SetError struct {
	Type        string   `json:"type"`
	Description string   `json:"description,omitempty"`
	Properties  []string `json:"properties,omitempty"`
	// ExistingID is set for alreadyExists (RFC 8620 section 5.4).
	ExistingID string `json:"existingId,omitempty"`
}

// Error returns the error type and description.
func (e *SetError) Error() string { return "jmap: " + e.Type + ": " + e.Description }

func setErr(typ, desc string, props ...string) *SetError {
	return &SetError{Type: typ, Description: desc, Properties: props}
}

// problem is a request-level error (RFC 7807 problem details).
type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Limit  string `json:"limit,omitempty"`
}

func writeProblem(w http.ResponseWriter, p problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
