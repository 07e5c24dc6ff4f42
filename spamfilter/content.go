package spamfilter

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
)

// Limits on what one message contributes to scoring.
const (
	maxTextBytes      = 256 << 10 // decoded text kept per part
	maxTotalTextBytes = 1 << 20   // decoded text kept per message
	maxHeadBytes      = 256 << 10 // header section kept for field checks
	maxURLs           = 1000      // URLs collected from one message
)

// content is what the rules read of a message.
type content struct {
	msg *msgparse.Message
	// fields counts the top-level header fields by lower-case name.
	fields map[string]int
	// text is the plain text of the body; html the source of its HTML
	// parts; htmlOnly is set when it has HTML and no plain text.
	text, html string
	htmlOnly   bool
	urls       []pageURL
}

// parseContent reads up to limit bytes of a message.
func parseContent(r io.Reader, limit int64) (*content, error) {
	head := &headBuffer{max: maxHeadBytes}
	tee := io.TeeReader(io.LimitReader(r, limit), head)
	m, err := msgparse.ParseOptions(tee, msgparse.Options{
		MaxTextBytes: maxTextBytes, MaxTotalTextBytes: maxTotalTextBytes,
		MaxDepth: 20, MaxParts: 500, PreviewLength: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	c := &content{msg: m, fields: headerFieldNames(head.Bytes())}
	c.collectText()
	c.urls = extractURLs(c.text+"\n"+c.html, maxURLs)
	return c, nil
}

// collectText gathers the decoded text and HTML of the body parts.
func (c *content) collectText() {
	var text, html strings.Builder
	plain := false
	for _, p := range c.msg.TextBody {
		if p.MediaType() == "text/plain" {
			plain = true
		}
	}
	seen := map[*msgparse.Part]bool{}
	for _, list := range [][]*msgparse.Part{c.msg.TextBody, c.msg.HTMLBody} {
		for _, p := range list {
			if seen[p] {
				continue
			}
			seen[p] = true
			switch p.MediaType() {
			case "text/html":
				html.WriteString(p.Text)
				html.WriteByte('\n')
			case "text/plain":
				text.WriteString(p.Text)
				text.WriteByte('\n')
			}
		}
	}
	c.text, c.html = text.String(), html.String()
	c.htmlOnly = !plain && html.Len() > 0
}

// bodyText returns the words a reader sees: the plain text, or the HTML
// rendered as text when there is none.
func (c *content) bodyText() string {
	if c.text != "" || c.html == "" {
		return c.text
	}
	return msgparse.HTMLToText(c.html)
}

// has reports whether the message's header has a field of that name.
func (c *content) has(name string) bool { return c.fields[strings.ToLower(name)] > 0 }

// date returns the Date field, false when absent or unreadable.
func (c *content) date() (time.Time, bool) { return c.msg.Date, !c.msg.Date.IsZero() }

// domains returns up to max distinct registered domains of body URLs.
func (c *content) domains(max int) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range c.urls {
		if u.ip.IsValid() || u.host == "" {
			continue
		}
		d := registeredDomain(u.host)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, d)
		if len(out) == max {
			break
		}
	}
	return out
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	buf bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (h *headBuffer) Bytes() []byte { return h.buf.Bytes() }

// headerFieldNames counts the fields of the header section at the start
// of raw by lower-case name (RFC 5322, section 2.2). Continuation lines
// are skipped; the section ends at the first empty line, or at a line
// that is neither a field nor a continuation.
func headerFieldNames(raw []byte) map[string]int {
	names := map[string]int{}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || !validFieldName(name) {
			if bytes.HasPrefix(line, []byte("From ")) {
				continue
			}
			break
		}
		names[strings.ToLower(string(bytes.TrimRight(name, " \t")))]++
	}
	return names
}

// validFieldName checks the ftext of RFC 5322, section 3.6.8, allowing
// the white space before the colon of the obsolete syntax.
func validFieldName(name []byte) bool {
	name = bytes.TrimRight(name, " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}
