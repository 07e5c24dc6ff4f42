package msgparse

import "strings"

// applyContent sets the part's Content-* fields from its header, with the
// defaults of RFC 2045 section 5.2 (text/plain; charset=us-ascii) or, in a
// multipart/digest, of RFC 2046 section 5.1.5 (message/rfc822).
func (p *parser) applyContent(part *Part, h header, digest bool) {
	part.Type, part.Subtype = "text", "plain"
	if digest {
		part.Type, part.Subtype = "message", "rfc822"
	}
	if v, ok := h.get("content-type"); ok {
		mt, params := parseParamValue(v)
		if t, s, ok := splitMediaType(mt); ok {
			part.Type, part.Subtype = t, s
			part.Params = params
		} else {
			// RFC 2045 section 5.2: an unreadable Content-Type means
			// text/plain; its parameters are ignored.
			p.defect(DefectBadHeaderLine)
		}
	}
	if part.Type == "multipart" && part.Params["boundary"] == "" {
		// Read as a multipart without body parts (see wholeBodyPart).
		p.defect(DefectMissingBoundary)
	}
	if v, ok := h.get("content-transfer-encoding"); ok {
		part.Encoding = normalizeEncoding(v)
	}
	part.ID, _ = h.get("content-id")
	part.Description, _ = h.get("content-description")
	part.MD5, _ = h.get("content-md5")
	part.Location, _ = h.get("content-location")
	if v, ok := h.get("content-disposition"); ok {
		d, params := parseParamValue(v)
		part.Disposition = strings.ToLower(d)
		part.DispositionParams = params
	}
	if v, ok := h.get("content-language"); ok {
		part.Language = parseLanguages(v)
	}
	part.Charset = strings.ToLower(strings.TrimSpace(part.Params["charset"]))
	if part.Charset == "" && part.Type == "text" {
		part.Charset = "us-ascii"
	}
	part.Filename = partFilename(part)
}

// splitMediaType splits "type/subtype" into lower-case tokens.
func splitMediaType(s string) (string, string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	t, sub, ok := strings.Cut(s, "/")
	t, sub = strings.TrimSpace(t), strings.TrimSpace(sub)
	if !ok || !isToken(t) || !isToken(sub) {
		return "", "", false
	}
	return t, sub, true
}

// isToken reports whether s is a non-empty RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// normalizeEncoding lower-cases a Content-Transfer-Encoding and repairs
// common misspellings ("7-bit", "quoted printable", "base-64").
func normalizeEncoding(v string) string {
	v = strings.ToLower(strings.TrimSpace(stripComments(v)))
	v = strings.Trim(v, `"'`)
	squeezed := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, v)
	switch squeezed {
	case "7bit", "8bit", "binary", "base64":
		return squeezed
	case "quotedprintable":
		return "quoted-printable"
	case "xuuencode", "uuencode", "xuue":
		return "x-uuencode"
	}
	return v
}

// parseLanguages splits a Content-Language list (RFC 3282).
func parseLanguages(v string) []string {
	var out []string
	for _, s := range strings.Split(stripComments(v), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// partFilename returns the decoded file name of a part (RFC 2183; RFC 8621
// section 4.1.4 falls back to the Content-Type name parameter).
func partFilename(part *Part) string {
	name := part.DispositionParams["filename"]
	if name == "" {
		name = part.Params["name"]
	}
	if name == "" {
		return ""
	}
	// Many senders put RFC 2047 encoded words in quoted parameters.
	return decodeWords(name)
}

// stripComments removes RFC 5322 comments, honouring quoted strings.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case c == '"' && depth == 0:
			quoted = !quoted
		case c == '(' && !quoted:
			depth++
			continue
		case c == ')' && !quoted && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}
