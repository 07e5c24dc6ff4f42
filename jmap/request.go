package jmap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Request is a JMAP API request (RFC 8620 section 3.3).
type Request struct {
	Using       []string          `json:"using"`
	MethodCalls []Invocation      `json:"methodCalls"`
	CreatedIDs  map[string]string `json:"createdIds,omitempty"`
}

// Response is a JMAP API response (RFC 8620 section 3.4).
type Response struct {
	MethodResponses []Invocation      `json:"methodResponses"`
	CreatedIDs      map[string]string `json:"createdIds,omitempty"`
	SessionState    string            `json:"sessionState"`
}

// Invocation is a method call or response: name, arguments and call id
// (RFC 8620 section 3.2), written as a three-element JSON array.
type Invocation struct {
	Name   string
	Args   json.RawMessage
	CallID string
}

// MarshalJSON writes the invocation as [name, arguments, callId].
func (inv Invocation) MarshalJSON() ([]byte, error) {
	return inv.appendJSON(nil), nil
}

// appendJSON writes the invocation without re-encoding the arguments,
// which were produced by encoding/json.
func (inv Invocation) appendJSON(b []byte) []byte {
	args := inv.Args
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	name, _ := json.Marshal(inv.Name)
	id, _ := json.Marshal(inv.CallID)
	b = append(append(append(b, '['), name...), ',')
	b = append(append(append(b, args...), ','), id...)
	return append(b, ']')
}

// encode writes the response; the method results are copied as they are.
func (resp *Response) encode(w io.Writer) error {
	b := make([]byte, 0, 4096)
	b = append(b, `{"methodResponses":[`...)
	for i, inv := range resp.MethodResponses {
		if i > 0 {
			b = append(b, ',')
		}
		b = inv.appendJSON(b)
	}
	b = append(b, ']')
	if resp.CreatedIDs != nil {
		ids, err := json.Marshal(resp.CreatedIDs)
		if err != nil {
			return err
		}
		b = append(append(b, `,"createdIds":`...), ids...)
	}
	st, _ := json.Marshal(resp.SessionState)
	b = append(append(append(b, `,"sessionState":`...), st...), '}', '\n')
	_, err := w.Write(b)
	return err
}

// UnmarshalJSON reads [name, arguments, callId]; arguments must be an
// object.
func (inv *Invocation) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if len(parts) != 3 {
		return errors.New("invocation is not a 3-element array")
	}
	if err := json.Unmarshal(parts[0], &inv.Name); err != nil {
		return fmt.Errorf("method name: %w", err)
	}
	if err := json.Unmarshal(parts[2], &inv.CallID); err != nil {
		return fmt.Errorf("method call id: %w", err)
	}
	if t := bytes.TrimSpace(parts[1]); len(t) == 0 || t[0] != '{' {
		return errors.New("arguments are not an object")
	}
	inv.Args = parts[1]
	return nil
}

// errNotRequest marks JSON that is not a Request object.
var errNotRequest = errors.New("not a JMAP request")

// ParseRequest reads a request body. It returns an error wrapping
// errNotRequest for valid JSON of the wrong shape, and a
// *json.SyntaxError (or io error) for invalid JSON.
func ParseRequest(r io.Reader) (*Request, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	// I-JSON (RFC 7493 section 2.1, required by RFC 8620 section 3.1)
	// is UTF-8 without invalid sequences; Go's decoder would replace
	// them silently.
	if !json.Valid(body) || !utf8.Valid(body) {
		return nil, &json.SyntaxError{}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("parse request: %w: %w", errNotRequest, err)
	}
	if raw["using"] == nil || raw["methodCalls"] == nil {
		return nil, fmt.Errorf("parse request: %w: missing using or methodCalls", errNotRequest)
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("parse request: %w: %w", errNotRequest, err)
	}
	return &req, nil
}

// serveAPI answers POST to the API endpoint (RFC 8620 section 3).
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	select {
	case h.reqSem <- struct{}{}:
		defer func() { <-h.reqSem }()
	default:
		writeProblem(w, problem{Type: ProblemLimit, Status: http.StatusTooManyRequests,
			Limit: "maxConcurrentRequests", Detail: "too many concurrent requests"})
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxSizeRequest)
	req, err := ParseRequest(body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, problem{Type: ProblemLimit, Status: http.StatusRequestEntityTooLarge,
			Limit: "maxSizeRequest", Detail: "request larger than maxSizeRequest"})
		return
	case errors.Is(err, errNotRequest):
		writeProblem(w, problem{Type: ProblemNotRequest, Status: http.StatusBadRequest,
			Detail: "the body is not a JMAP Request object"})
		return
	case err != nil:
		writeProblem(w, problem{Type: ProblemNotJSON, Status: http.StatusBadRequest,
			Detail: "the body is not valid I-JSON"})
		return
	}
	if p, ok := h.checkRequest(req); !ok {
		writeProblem(w, p)
		return
	}
	resp := h.run(r.Context(), principalOf(r.Context()), req)
	w.Header().Set("Content-Type", "application/json")
	_ = resp.encode(w)
}

// checkRequest applies the request-level rules of RFC 8620 section 3.6.1.
func (h *Handler) checkRequest(req *Request) (problem, bool) {
	caps := h.capabilities()
	for _, u := range req.Using {
		if _, ok := caps[u]; !ok {
			return problem{Type: ProblemUnknownCapability, Status: http.StatusBadRequest,
				Detail: "unknown capability " + strconv.Quote(u)}, false
		}
	}
	if len(req.MethodCalls) > h.opts.MaxCallsInRequest {
		return problem{Type: ProblemLimit, Status: http.StatusBadRequest,
			Limit: "maxCallsInRequest", Detail: "too many method calls"}, false
	}
	return problem{}, true
}

// run processes the method calls of a request in order for principal p
// and returns the response (RFC 8620 section 3.5).
func (h *Handler) run(ctx context.Context, p *principal, req *Request) *Response {
	using := map[string]bool{}
	for _, u := range req.Using {
		using[u] = true
	}
	created := map[string]string{}
	for k, v := range req.CreatedIDs {
		created[k] = v
	}
	resp := &Response{MethodResponses: []Invocation{}, SessionState: p.sessionState()}
	for _, inv := range req.MethodCalls {
		c := &call{ctx: ctx, h: h, p: p, using: using, created: created,
			name: inv.Name, id: inv.CallID}
		out := h.invoke(c, inv, resp.MethodResponses)
		resp.MethodResponses = append(resp.MethodResponses, out...)
	}
	if req.CreatedIDs != nil {
		resp.CreatedIDs = created
	}
	return resp
}

// invoke runs one call and returns its responses: normally one, an error
// response on failure, or several for implicit calls.
func (h *Handler) invoke(c *call, inv Invocation, prev []Invocation) []Invocation {
	errResp := func(e *MethodError) []Invocation {
		b, _ := json.Marshal(e)
		return []Invocation{{Name: "error", Args: b, CallID: inv.CallID}}
	}
	m, ok := h.methods[inv.Name]
	if !ok || !c.using[m.capability] {
		return errResp(methodErr(ErrTypeUnknownMethod, inv.Name))
	}
	args, merr := resolveReferences(inv.Args, prev)
	if merr != nil {
		return errResp(merr)
	}
	c.args = args
	result, err := c.safeRun(m.fn)
	if err != nil {
		var me *MethodError
		if !errors.As(err, &me) {
			h.opts.Logger.Error("jmap method failed", "method", inv.Name,
				"account", c.p.name, "err", err)
			me = methodErr(ErrTypeServerFail, "")
		}
		return errResp(me)
	}
	b, err := json.Marshal(result)
	if err != nil {
		return errResp(methodErr(ErrTypeServerFail, ""))
	}
	out := []Invocation{{Name: inv.Name, Args: b, CallID: inv.CallID}}
	return append(out, c.extra...)
}
