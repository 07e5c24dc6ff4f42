package msgparse

import (
	"strings"
	"unicode/utf8"
)

// classifyBodies fills TextBody, HTMLBody and Attachments by the algorithm
// of RFC 8621 section 4.1.4.
func classifyBodies(m *Message) {
	if m.Root == nil {
		return
	}
	text, html := []*Part{}, []*Part{}
	var att []*Part
	walkBodies([]*Part{m.Root}, "mixed", false, &text, &html, &att)
	m.TextBody, m.HTMLBody, m.Attachments = text, html, att
}

func isInlineMedia(p *Part) bool {
	switch p.Type {
	case "image", "audio", "video":
		return true
	}
	return false
}

// walkBodies is parseStructure of RFC 8621 section 4.1.4; a nil slice
// pointer is the "null" of that algorithm.
func walkBodies(parts []*Part, mpType string, inAlt bool,
	text, html, att *[]*Part) {
	textLen, htmlLen := -1, -1
	if text != nil {
		textLen = len(*text)
	}
	if html != nil {
		htmlLen = len(*html)
	}
	for i, p := range parts {
		mt := p.MediaType()
		isInline := p.Disposition != "attachment" &&
			(mt == "text/plain" || mt == "text/html" || isInlineMedia(p)) &&
			(i == 0 || (mpType != "related" && (isInlineMedia(p) || p.Filename == "")))
		switch {
		case p.IsMultipart():
			walkBodies(p.Children, p.Subtype, inAlt || p.Subtype == "alternative",
				text, html, att)
		case isInline:
			if mpType == "alternative" {
				switch mt {
				case "text/plain":
					appendPart(text, p)
				case "text/html":
					appendPart(html, p)
				default:
					*att = append(*att, p)
				}
				continue
			}
			if inAlt {
				if mt == "text/plain" {
					html = nil
				}
				if mt == "text/html" {
					text = nil
				}
			}
			appendPart(text, p)
			appendPart(html, p)
			if (text == nil || html == nil) && isInlineMedia(p) {
				*att = append(*att, p)
			}
		default:
			*att = append(*att, p)
		}
	}
	if mpType == "alternative" && text != nil && html != nil {
		// Fill in a missing alternative from the other side.
		if textLen == len(*text) && htmlLen != len(*html) {
			*text = append(*text, (*html)[htmlLen:]...)
		}
		if htmlLen == len(*html) && textLen != len(*text) {
			*html = append(*html, (*text)[textLen:]...)
		}
	}
}

func appendPart(list *[]*Part, p *Part) {
	if list != nil {
		*list = append(*list, p)
	}
}

// makePreview returns up to n characters of the first text body part with
// text, or of the HTML body with tags stripped, white space collapsed.
func makePreview(m *Message, n int) string {
	for _, p := range m.TextBody {
		var s string
		switch p.MediaType() {
		case "text/plain":
			s = p.Text
		case "text/html":
			s = htmlText(p.Text, n)
		default:
			continue
		}
		if s = collapseSpace(s, n); s != "" {
			return s
		}
	}
	for _, p := range m.HTMLBody {
		if p.MediaType() == "text/html" {
			if s := collapseSpace(htmlText(p.Text, n), n); s != "" {
				return s
			}
		}
	}
	return ""
}

// collapseSpace joins the words of s with single spaces, stopping after n
// characters.
func collapseSpace(s string, n int) string {
	var b strings.Builder
	count := 0
	space := false
	for _, r := range s {
		if isSpaceRune(r) {
			space = count > 0
			continue
		}
		if space {
			if count+1 >= n {
				break
			}
			b.WriteByte(' ')
			count++
			space = false
		}
		if count >= n {
			break
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}

func isSpaceRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x2028, 0x2029, 0x3000:
		return true
	}
	return r == utf8.RuneError
}

// SearchText returns the text of the message's text bodies, HTML with tags
// stripped, and of the text of encapsulated messages' bodies, joined by
// line breaks, for a full-text index. It reads only what Parse kept in
// Part.Text, so it is empty for a message read back from storage.
func (m *Message) SearchText() string {
	var b strings.Builder
	m.appendSearchText(&b)
	return b.String()
}

func (m *Message) appendSearchText(b *strings.Builder) {
	seen := map[*Part]bool{}
	add := func(p *Part) {
		if seen[p] {
			return
		}
		seen[p] = true
		switch p.MediaType() {
		case "text/html":
			b.WriteString(HTMLToText(p.Text))
		default:
			if p.Type != "text" {
				return
			}
			b.WriteString(p.Text)
		}
		b.WriteByte('\n')
	}
	for _, p := range m.TextBody {
		add(p)
	}
	if len(m.TextBody) == 0 {
		for _, p := range m.HTMLBody {
			add(p)
		}
	}
	for _, p := range m.Attachments {
		if p.Message != nil {
			b.WriteString(p.Message.Subject + "\n")
			p.Message.appendSearchText(b)
		} else if p.Type == "text" {
			add(p)
		}
	}
}
