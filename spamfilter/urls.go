package spamfilter

import (
	"net/netip"
	"strings"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// pageURL is one http or https URL found in a body.
type pageURL struct {
	host string     // lower case, no port, no trailing dot
	ip   netip.Addr // valid when the host is an address literal
}

// maxURLLength bounds the characters of one URL looked at.
const maxURLLength = 2048

// extractURLs finds http and https URLs (RFC 3986, section 3) in text,
// plain or HTML, up to max of them.
func extractURLs(text string, max int) []pageURL {
	var out []pageURL
	lower := strings.ToLower(text)
	for i := 0; i < len(lower) && len(out) < max; {
		j := strings.Index(lower[i:], "http")
		if j < 0 {
			break
		}
		i += j
		rest := lower[i:]
		var n int
		switch {
		case strings.HasPrefix(rest, "http://"):
			n = len("http://")
		case strings.HasPrefix(rest, "https://"):
			n = len("https://")
		default:
			i += 4
			continue
		}
		end := i + n
		for end < len(lower) && end-i < maxURLLength && urlChar(lower[end]) {
			end++
		}
		if u, ok := parseURLHost(lower[i+n : end]); ok {
			out = append(out, u)
		}
		i = end
	}
	return out
}

// urlChar reports whether c may appear in a URL as found in mail text:
// anything printable but spaces, quotes and angle brackets.
func urlChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>'
}

// parseURLHost reads the authority of a URL after its scheme.
func parseURLHost(s string) (pageURL, bool) {
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return pageURL{}, false
		}
		ip, err := netip.ParseAddr(s[1:end])
		if err != nil {
			return pageURL{}, false
		}
		return pageURL{host: ip.String(), ip: ip}, true
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, ".,;)")
	if s == "" {
		return pageURL{}, false
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return pageURL{host: s, ip: ip}, true
	}
	if numericHost(s) {
		// A host of digits alone (or hex) is an address in the forms
		// browsers accept, such as http://3232235777/.
		return pageURL{host: s, ip: netip.IPv4Unspecified()}, true
	}
	return pageURL{host: s}, true
}

// numericHost reports whether s is a host made of numbers only, dotted
// or not, in decimal, octal or hex: an IP address in disguise.
func numericHost(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		p := strings.TrimPrefix(part, "0x")
		for i := 0; i < len(p); i++ {
			c := p[i]
			hex := len(p) != len(part) && (c >= 'a' && c <= 'f')
			if !(c >= '0' && c <= '9') && !hex {
				return false
			}
		}
	}
	return true
}

// registeredDomain returns the registered domain of a host name through
// the public suffix list, or "" when the host is not a domain name.
func registeredDomain(host string) string {
	if !strings.Contains(host, ".") || !validZone(host) || strings.HasSuffix(host, ".") {
		return ""
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ""
		}
	}
	d := mailauth.OrganizationalDomain(host)
	if !strings.Contains(d, ".") || !validZone(d) {
		return ""
	}
	return d
}
