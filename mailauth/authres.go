package mailauth

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// AuthResultsField is the header field name of RFC 8601.
const AuthResultsField = "Authentication-Results"

// AuthResult is one resinfo of an Authentication-Results field
// (RFC 8601, section 2.2).
type AuthResult struct {
	Method string // "spf", "dkim", "dmarc", "arc", ...
	Result string // "pass", "fail", ...
	Reason string
	// Props holds the properties as "ptype.property" -> value, such as
	// "smtp.mailfrom" or "header.d".
	Props map[string]string
}

// AuthResultsValue builds the payload of an Authentication-Results field
// for res (RFC 8601, section 2.2): the authserv-id then one resinfo per
// method. It is also the payload an ARC-Authentication-Results carries.
func AuthResultsValue(authservID string, res *Results) string {
	parts := authResultsParts(res)
	if len(parts) == 0 {
		return arValue(authservID) + "; none"
	}
	return arValue(authservID) + "; " + strings.Join(parts, "; ")
}

// authResultsParts returns one resinfo per result, in the order SPF, DKIM,
// ARC, DMARC.
func authResultsParts(res *Results) []string {
	var parts []string
	if res.SPF.Result != "" {
		p := "spf=" + string(res.SPF.Result)
		if res.SPF.Identity == SPFIdentityHELO {
			p += " smtp.helo=" + arValue(res.SPF.Domain)
		} else {
			p += " smtp.mailfrom=" + arValue(res.SPF.Sender)
		}
		parts = append(parts, p)
	}
	for _, d := range res.DKIM {
		p := "dkim=" + string(d.Status)
		if d.Problem != "" {
			p += " reason=" + quoteAR(d.Problem)
		}
		if d.Domain != "" {
			p += " header.d=" + arValue(d.Domain)
		}
		if d.Selector != "" {
			p += " header.s=" + arValue(d.Selector)
		}
		if d.HeaderB != "" {
			p += " header.b=" + arValue(d.HeaderB)
		}
		parts = append(parts, p)
	}
	if res.ARC.Status != "" && res.ARC.Status != ARCNone {
		p := "arc=" + string(res.ARC.Status)
		if res.ARC.Problem != "" {
			p += " reason=" + quoteAR(res.ARC.Problem)
		}
		if res.ARC.Status == ARCPass && res.ARC.OldestPass > 0 {
			// RFC 8617, section 5.2 step 6: the chain passes, but not
			// every older ARC-Message-Signature does.
			p += " header.oldest-pass=" + strconv.Itoa(res.ARC.OldestPass)
		}
		parts = append(parts, p)
	}
	if res.DMARC.Status != "" {
		p := "dmarc=" + string(res.DMARC.Status)
		if res.DMARC.Policy != "" {
			p += " policy.dmarc=" + string(res.DMARC.Policy)
		}
		if res.DMARC.FromDomain != "" {
			p += " header.from=" + arValue(res.DMARC.FromDomain)
		}
		parts = append(parts, p)
	}
	return parts
}

// AuthenticationResults returns the folded Authentication-Results field,
// ending in CRLF, that the receiving server prepends to the message.
func (v *Verifier) AuthenticationResults(res *Results) string {
	f := newFolder(AuthResultsField)
	parts := authResultsParts(res)
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	f.word(arValue(v.authservID())+";", true)
	for i, part := range parts {
		f.b.WriteString("\r\n\t")
		f.col = 8
		if i < len(parts)-1 {
			part += ";"
		}
		for j, w := range strings.Fields(part) {
			f.word(w, j > 0)
		}
	}
	return f.String()
}

// authservID is Hostname, or "localhost" when unset.
func (v *Verifier) authservID() string {
	if v.Hostname == "" {
		return "localhost"
	}
	return v.Hostname
}

// arValue writes a value as a token (RFC 2045) when it can, else as a
// quoted string; "@" is kept bare for the local-part@domain form of
// RFC 8601, section 2.2.
func arValue(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n;()\"\\=,<>[]:/?") {
		return quoteAR(s)
	}
	return s
}

func quoteAR(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ErrBadAuthResults is returned by ParseAuthResults for a field that does
// not follow the RFC 8601 grammar.
var ErrBadAuthResults = errors.New("mailauth: malformed Authentication-Results")

// ParseAuthResults parses the payload of an Authentication-Results field
// (RFC 8601, section 2.2), comments included.
func ParseAuthResults(value string) (authservID string, results []AuthResult, err error) {
	p := &arParser{s: value}
	if authservID, err = p.value(); err != nil {
		return "", nil, err
	}
	p.cfws()
	// An optional authres-version follows the authserv-id.
	if p.i < len(p.s) && isDigit(p.s[p.i]) {
		if _, err := p.value(); err != nil {
			return "", nil, err
		}
		p.cfws()
	}
	if p.eof() {
		return authservID, nil, nil
	}
	for !p.eof() {
		if !p.take(';') {
			return "", nil, fmt.Errorf("%w: want ';' at %d", ErrBadAuthResults, p.i)
		}
		p.cfws()
		if p.eof() {
			break
		}
		r, err := p.resinfo()
		if err != nil {
			return "", nil, err
		}
		if r.Method != "none" {
			results = append(results, r)
		}
	}
	return authservID, results, nil
}

// HeaderAuthservIDs returns the authserv-id of each Authentication-Results
// field of h; an unparsable field yields "".
func HeaderAuthservIDs(h Header) []string {
	var ids []string
	for _, f := range h.Get(AuthResultsField) {
		id, _, _ := ParseAuthResults(f.Value())
		ids = append(ids, id)
	}
	return ids
}

// RemoveForged returns h without the Authentication-Results fields that
// claim authservID (case-insensitive), which only this host may write
// (RFC 8601, section 5), and the number of fields removed. Fields that do
// not parse are removed too when their text starts with authservID.
func RemoveForged(h Header, authservID string) (Header, int) {
	out := make(Header, 0, len(h))
	removed := 0
	for _, f := range h {
		if strings.EqualFold(f.Name, AuthResultsField) && claims(f.Value(), authservID) {
			removed++
			continue
		}
		out = append(out, f)
	}
	return out, removed
}

func claims(value, authservID string) bool {
	id, _, err := ParseAuthResults(value)
	if err != nil {
		p := &arParser{s: value}
		id, _ = p.value()
	}
	return strings.EqualFold(strings.TrimSuffix(id, "."), strings.TrimSuffix(authservID, "."))
}

// StripForged reads the header section of msg, drops forged
// Authentication-Results fields claiming authservID, and returns a reader
// of the whole message without them. The body is not read ahead. max
// bounds the header section (ErrHeaderTooLarge).
func StripForged(msg io.Reader, authservID string, max int) (io.Reader, int, error) {
	// Keep what is read, so that a message without forged fields comes
	// out byte for byte as it went in.
	var seen bytes.Buffer
	br := bufio.NewReader(io.TeeReader(msg, &seen))
	h, err := readHeader(br, max)
	if err != nil {
		return nil, 0, err
	}
	h, n := RemoveForged(h, authservID)
	if n == 0 {
		return io.MultiReader(&seen, msg), 0, nil
	}
	var buf bytes.Buffer
	if _, err := h.WriteTo(&buf); err != nil {
		return nil, 0, err
	}
	return io.MultiReader(&buf, br), n, nil
}
