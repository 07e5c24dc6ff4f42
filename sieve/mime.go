package sieve

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/charset"
)

// mimePart is one part of the MIME tree, RFC 2045 and 2046.
type mimePart struct {
	header   []HeaderField
	body     []byte // raw (encoded) content
	ctype    string // type/subtype, lower-case
	params   map[string]string
	children []*mimePart
	parent   *mimePart
	// epilogue and prologue of multiparts, for :content "multipart".
	prologue []byte
	epilogue []byte
	// rawHeader is the header text of a message/rfc822 part's message.
	rawHeader []byte
	// off and end delimit the part (header and content) in the message
	// body, and bodyOff its content, when spliceable: when the part is
	// reached through multiparts only, not inside an encoded message.
	off, end, bodyOff int
	spliceable        bool
}

const maxMimeDepth = 32

// parseMime builds the tree of a message body.
func parseMime(h []HeaderField, body []byte, depth int, parentType string) *mimePart {
	return parsePart(&mimePart{header: h, body: body}, depth, parentType)
}

// parsePart types p and splits its children.
func parsePart(p *mimePart, depth int, parentType string) *mimePart {
	h := p.header
	ct := ""
	if v := headerValues(h, "content-type", false); len(v) > 0 {
		ct = v[0]
	}
	t, params, err := mime.ParseMediaType(ct)
	switch {
	case strings.TrimSpace(ct) == "":
		t = "text/plain"
		if parentType == "multipart/digest" {
			t = "message/rfc822"
		}
	case err != nil && t == "":
		// A damaged type is opaque data, not text.
		t = "application/octet-stream"
	}
	p.ctype = strings.ToLower(t)
	p.params = params
	if depth >= maxMimeDepth {
		return p
	}
	switch {
	case strings.HasPrefix(p.ctype, "multipart/"):
		p.splitMultipart(depth)
	case p.ctype == "message/rfc822":
		data := p.decoded()
		ih, ib := splitHeader(data)
		hl := len(data) - len(ib)
		if bytes.HasSuffix(data[:hl], []byte("\r\n\r\n")) {
			hl -= 2
		} else if bytes.HasSuffix(data[:hl], []byte("\n\n")) {
			hl--
		}
		p.rawHeader = data[:hl]
		c := parseMime(ih, ib, depth+1, "")
		c.parent = p
		p.children = []*mimePart{c}
	}
	return p
}

func (p *mimePart) splitMultipart(depth int) {
	b, ok := p.params["boundary"]
	if !ok {
		return
	}
	delim := []byte("--" + b)
	data := p.body
	var starts []int
	var closeAt = -1
	for off := 0; off <= len(data); {
		i := bytes.Index(data[off:], delim)
		if i < 0 {
			break
		}
		at := off + i
		if at == 0 || data[at-1] == '\n' {
			rest := data[at+len(delim):]
			if bytes.HasPrefix(rest, []byte("--")) {
				closeAt = at
				break
			}
			starts = append(starts, at)
		}
		off = at + len(delim)
	}
	if len(starts) == 0 {
		return
	}
	p.prologue = data[:trimEOL(data, starts[0])]
	if closeAt >= 0 {
		if nl := bytes.IndexByte(data[closeAt:], '\n'); nl >= 0 {
			p.epilogue = data[closeAt+nl+1:]
		}
	}
	for k, s := range starts {
		end := len(data)
		if k+1 < len(starts) {
			end = starts[k+1]
		} else if closeAt >= 0 {
			end = closeAt
		}
		// Skip the delimiter line.
		nl := bytes.IndexByte(data[s:end], '\n')
		if nl < 0 {
			continue
		}
		chunk := data[s+nl+1 : trimEOL(data, end)]
		ch, cb := splitHeader(chunk)
		c := &mimePart{header: ch, body: cb, parent: p}
		if p.spliceable {
			c.spliceable = true
			c.off = p.bodyOff + s + nl + 1
			c.end = p.bodyOff + trimEOL(data, end)
			c.bodyOff = c.off + len(chunk) - len(cb)
		}
		parsePart(c, depth+1, p.ctype)
		p.children = append(p.children, c)
	}
}

// trimEOL returns end moved before the line break that precedes a
// delimiter (RFC 2046 section 5.1.1: the CRLF belongs to the delimiter).
func trimEOL(data []byte, end int) int {
	if end > 0 && data[end-1] == '\n' {
		end--
		if end > 0 && data[end-1] == '\r' {
			end--
		}
	}
	return end
}

// broken reports a transfer encoding that cannot be decoded.
func (p *mimePart) broken() bool {
	v := headerValues(p.header, "content-transfer-encoding", false)
	if len(v) == 0 {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(v[0])) {
	case "", "7bit", "8bit", "binary", "base64", "quoted-printable":
		return false
	}
	return true
}

// isText reports whether :text body matching reads the part.
func (p *mimePart) isText() bool {
	return strings.HasPrefix(p.ctype, "text/") || p.ctype == "application/xhtml+xml"
}

// decoded returns the content with transfer encoding removed.
func (p *mimePart) decoded() []byte {
	enc := ""
	if v := headerValues(p.header, "content-transfer-encoding", false); len(v) > 0 {
		enc = strings.ToLower(strings.TrimSpace(v[0]))
	}
	switch enc {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, p.body)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.body)))
		return out
	}
	return p.body
}

// text returns the decoded content converted to UTF-8 for text parts.
func (p *mimePart) text() string {
	d := p.decoded()
	cs := strings.ToLower(p.params["charset"])
	if strings.HasPrefix(p.ctype, "text/") && cs != "" && cs != "utf-8" &&
		cs != "us-ascii" {
		if r, err := charset.Reader(cs, bytes.NewReader(d)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return string(out)
			}
		}
	}
	return string(d)
}

// walk lists the part and its descendants in depth-first order.
func (p *mimePart) walk(fn func(*mimePart)) {
	fn(p)
	for _, c := range p.children {
		c.walk(fn)
	}
}

// mimeRoot parses the message once.
func (rt *runtime) mimeRoot() (*mimePart, error) {
	if rt.root != nil {
		return rt.root, nil
	}
	body, err := rt.loadBody()
	if err != nil {
		return nil, err
	}
	rt.root = parsePart(&mimePart{header: rt.hdr, body: body, spliceable: true,
		end: len(body)}, 0, "")
	return rt.root, nil
}

// typeMatches tells whether a content type matches a :content item,
// RFC 5173 section 5.2: "" matches all, "type" a whole type.
func typeMatches(ctype, want string) bool {
	want = strings.ToLower(strings.TrimSpace(want))
	if want == "" {
		return true
	}
	if strings.Count(want, "/") > 1 {
		return false
	}
	if strings.Contains(want, "/") {
		return ctype == want
	}
	return strings.SplitN(ctype, "/", 2)[0] == want
}

// parseMediaLoose parses a Content-Type or Content-Disposition value,
// keeping what it can of damaged ones.
func parseMediaLoose(v string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil && mt == "" {
		mt = strings.TrimSpace(strings.SplitN(v, ";", 2)[0])
	}
	if params == nil {
		params = map[string]string{}
	}
	return strings.ToLower(mt), params
}

// path returns the child indexes that lead from the root to p.
func (p *mimePart) path() []int {
	var rev []int
	for q := p; q.parent != nil; q = q.parent {
		for i, c := range q.parent.children {
			if c == q {
				rev = append(rev, i)
				break
			}
		}
	}
	out := make([]int, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return out
}

// at follows a path from p; nil when the tree no longer has it.
func (p *mimePart) at(path []int) *mimePart {
	for _, i := range path {
		if i >= len(p.children) {
			return nil
		}
		p = p.children[i]
	}
	return p
}
