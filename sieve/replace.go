package sieve

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

func rewriteSpecs() []*cmdSpec {
	return []*cmdSpec{
		{name: "replace", ext: "replace", subtests: -1, args: []valKind{valString},
			tags: map[string]tagDef{"mime": {}, "subject": {val: valString},
				"from": {val: valString}},
			exec: execReplace},
		{name: "enclose", ext: "enclose", subtests: -1, args: []valKind{valString},
			tags:  map[string]tagDef{"subject": {val: valString}, "headers": {val: valStrings}},
			check: checkEnclose, exec: execEnclose},
	}
}

func checkEnclose(c *compiler, n *node) {
	if v := n.tag("headers"); v != nil {
		for _, s := range v.strs {
			h, ok := constString(s)
			if ok && !strings.Contains(h, ":") {
				c.errorf(v.pos, "enclose command: invalid header '%s'", h)
			}
		}
	}
}

// setMessage replaces the message the rest of the run sees.
func (rt *runtime) setMessage(h []HeaderField, body []byte) {
	rt.sizeDelta = int64(headerLen(h)+2+len(body)) - rt.msg.Size()
	rt.hdr = h
	rt.body, rt.bodyRead = body, true
	rt.edited = true
	rt.bodyEdited = true
	rt.root = nil
	rt.addrCache = nil
}

func headerLen(h []HeaderField) int {
	n := 0
	for _, f := range h {
		n += int(fieldSize(f))
	}
	return n
}

// execReplace replaces the message body, or inside foreverypart the
// current part, RFC 5703 section 5.
func execReplace(rt *runtime, n *node) error {
	if rt.part != nil && rt.part.parent != nil {
		return rt.replacePart(n)
	}
	text := rt.str1(n.args[0])
	var h []HeaderField
	for _, f := range rt.hdr {
		name := strings.ToLower(f.Name)
		if strings.HasPrefix(name, "content-") || name == "mime-version" ||
			name == "subject" && n.has("subject") || name == "from" && n.has("from") {
			continue
		}
		h = append(h, f)
	}
	if n.has("subject") {
		h = append(h, HeaderField{Name: "Subject",
			Value: " " + encodeWord(rt.str1(n.tag("subject")))})
	}
	if n.has("from") {
		h = append(h, HeaderField{Name: "From", Value: " " + rt.str1(n.tag("from"))})
	}
	h = append(h, HeaderField{Name: "MIME-Version", Value: " 1.0"})
	body := []byte(crlf(text))
	if n.has("mime") {
		eh, eb := splitHeader(body)
		h = append(h, eh...)
		body = eb
	} else {
		h = append(h, HeaderField{Name: "Content-Type", Value: " text/plain; charset=utf-8"},
			HeaderField{Name: "Content-Transfer-Encoding", Value: " 8bit"})
	}
	rt.setMessage(h, body)
	return nil
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// execEnclose wraps the message in a new one, RFC 5703 section 6.
func execEnclose(rt *runtime, n *node) error {
	orig, err := rt.loadBody()
	if err != nil {
		return rt.errorf(n, "%v", err)
	}
	var b [12]byte
	rand.Read(b[:])
	boundary := "enclose-" + hex.EncodeToString(b[:])
	var h []HeaderField
	for _, f := range rt.hdr {
		switch strings.ToLower(f.Name) {
		case "from", "to", "cc", "date", "message-id", "reply-to":
			h = append(h, f)
		}
	}
	subj := rt.str1(n.tag("subject"))
	if subj == "" {
		if v := headerValues(rt.hdr, "subject", true); len(v) > 0 {
			subj = v[0]
		}
	}
	h = append(h, HeaderField{Name: "Subject", Value: " " + encodeWord(subj)})
	for _, line := range rt.strs(n.tag("headers")) {
		if name, val, ok := strings.Cut(line, ":"); ok && validFieldName(name) {
			h = append(h, HeaderField{Name: name, Value: val})
		}
	}
	h = append(h, HeaderField{Name: "MIME-Version", Value: " 1.0"},
		HeaderField{Name: "Content-Type",
			Value: fmt.Sprintf(" multipart/mixed; boundary=\"%s\"", boundary)})
	var body strings.Builder
	fmt.Fprintf(&body, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		boundary, crlf(rt.str1(n.args[0])))
	fmt.Fprintf(&body, "--%s\r\nContent-Type: message/rfc822\r\n\r\n", boundary)
	for _, f := range rt.hdr {
		body.WriteString(f.Name + ":" + f.Value + "\r\n")
	}
	body.WriteString("\r\n")
	body.Write(orig)
	fmt.Fprintf(&body, "\r\n--%s--\r\n", boundary)
	rt.setMessage(h, []byte(body.String()))
	return nil
}

// replacePart splices a new entity in place of the current part.
func (rt *runtime) replacePart(n *node) error {
	p := rt.part
	if !p.spliceable {
		return rt.errorf(n, "replace: cannot replace a part inside an encoded message")
	}
	text := crlf(rt.str1(n.args[0]))
	entity := "Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" + text
	if n.has("mime") {
		entity = text
	}
	body := make([]byte, 0, len(rt.body)-(p.end-p.off)+len(entity))
	body = append(body, rt.body[:p.off]...)
	body = append(body, entity...)
	body = append(body, rt.body[p.end:]...)
	rt.setMessage(rt.hdr, body)
	return nil
}
