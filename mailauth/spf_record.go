package mailauth

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// spfTerm is one directive of an SPF record (RFC 7208, section 4.6.1).
type spfTerm struct {
	qual   SPFResult
	mech   string // all, include, a, mx, ptr, ip4, ip6, exists
	domain string // unexpanded domain-spec, "" for the current domain
	prefix netip.Prefix
	cidr4  int // prefix length for a and mx on IPv4, 32 when absent
	cidr6  int // prefix length for a and mx on IPv6, 128 when absent
}

// spfRecord is a parsed SPF record.
type spfRecord struct {
	terms    []spfTerm
	redirect string // "" when absent
	exp      string // "" when absent
}

// isSPFRecord reports whether a TXT record is an SPF version 1 record
// (RFC 7208, section 4.5).
func isSPFRecord(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// parseSPF parses an SPF record. Any syntax error makes the whole record
// invalid (RFC 7208, section 4.6).
func parseSPF(txt string) (*spfRecord, error) {
	if !isSPFRecord(txt) {
		return nil, fmt.Errorf("not an SPF record")
	}
	for i := 0; i < len(txt); i++ {
		if txt[i] < 0x20 || txt[i] > 0x7e {
			return nil, fmt.Errorf("invalid character %q in record", txt[i])
		}
	}
	rec := &spfRecord{}
	hasRedirect, hasExp := false, false
	for _, f := range strings.Split(txt[6:], " ") {
		if f == "" {
			continue
		}
		name, value, isMod := modifierSplit(f)
		if !isMod {
			t, err := parseSPFDirective(f)
			if err != nil {
				return nil, err
			}
			rec.terms = append(rec.terms, t)
			continue
		}
		if err := checkMacroString(value, false); err != nil {
			return nil, fmt.Errorf("modifier %q: %w", name, err)
		}
		switch strings.ToLower(name) {
		case "redirect":
			if hasRedirect {
				return nil, fmt.Errorf("duplicate redirect modifier")
			}
			if err := checkDomainSpec(value); err != nil {
				return nil, err
			}
			hasRedirect, rec.redirect = true, value
		case "exp":
			if hasExp {
				return nil, fmt.Errorf("duplicate exp modifier")
			}
			if err := checkDomainSpec(value); err != nil {
				return nil, err
			}
			hasExp, rec.exp = true, value
		}
	}
	return rec, nil
}

// modifierSplit recognises "name=value" where name is an SPF modifier name
// (RFC 7208, section 4.6.1).
func modifierSplit(f string) (name, value string, ok bool) {
	i := strings.IndexByte(f, '=')
	if i <= 0 {
		return "", "", false
	}
	name = f[:i]
	if !isAlpha(name[0]) {
		return "", "", false
	}
	for j := 1; j < len(name); j++ {
		c := name[j]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return "", "", false
		}
	}
	return name, f[i+1:], true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func parseSPFDirective(f string) (spfTerm, error) {
	t := spfTerm{qual: SPFPass, cidr4: 32, cidr6: 128}
	switch f[0] {
	case '+':
		f = f[1:]
	case '-':
		t.qual, f = SPFFail, f[1:]
	case '~':
		t.qual, f = SPFSoftFail, f[1:]
	case '?':
		t.qual, f = SPFNeutral, f[1:]
	}
	end := strings.IndexAny(f, ":/")
	if end < 0 {
		end = len(f)
	}
	t.mech = strings.ToLower(f[:end])
	arg := f[end:]
	var err error
	switch t.mech {
	case "all":
		if arg != "" {
			err = fmt.Errorf("all takes no argument")
		}
	case "include", "exists":
		if !strings.HasPrefix(arg, ":") {
			return t, fmt.Errorf("%s needs a domain", t.mech)
		}
		t.domain = arg[1:]
		err = checkDomainSpec(t.domain)
	case "a", "mx":
		err = parseSPFHostArg(&t, arg)
	case "ptr":
		if arg != "" {
			if !strings.HasPrefix(arg, ":") {
				return t, fmt.Errorf("bad ptr argument %q", arg)
			}
			t.domain = arg[1:]
			err = checkDomainSpec(t.domain)
		}
	case "ip4", "ip6":
		err = parseSPFNetwork(&t, arg)
	default:
		err = fmt.Errorf("unknown mechanism %q", t.mech)
	}
	return t, err
}

// parseSPFHostArg parses [ ":" domain-spec ] [ dual-cidr-length ]. A
// domain-spec may hold "/" and ":", so the CIDR lengths are taken from the
// end: a trailing "/digits", optionally preceded by another "/digits".
func parseSPFHostArg(t *spfTerm, arg string) error {
	cidr := trailingCIDR(arg)
	arg = arg[:len(arg)-len(cidr)]
	if arg != "" {
		if arg[0] != ':' {
			return fmt.Errorf("bad %s argument %q", t.mech, arg)
		}
		t.domain = arg[1:]
		if err := checkDomainSpec(t.domain); err != nil {
			return err
		}
	}
	if cidr == "" {
		return nil
	}
	v4, v6, dual := cidr, "", false
	if i := strings.Index(cidr, "//"); i >= 0 {
		v4, v6, dual = cidr[:i], cidr[i+1:], true
	}
	var err error
	if v4 != "" {
		if t.cidr4, err = parseCIDRLen(v4, 32); err != nil {
			return err
		}
	}
	if dual {
		if t.cidr6, err = parseCIDRLen(v6, 128); err != nil {
			return err
		}
	}
	return nil
}

// trailingCIDR returns the suffix of s made of "/digits", "//digits" or
// "/digits//digits".
func trailingCIDR(s string) string {
	j := slashDigits(s)
	if j < 0 {
		return ""
	}
	if j == 0 || s[j-1] != '/' {
		return s[j:]
	}
	if k := slashDigits(s[:j-1]); k >= 0 {
		return s[k:]
	}
	return s[j-1:]
}

// slashDigits returns the index of the "/" of a trailing "/digits", or -1.
func slashDigits(s string) int {
	i := len(s)
	for i > 0 && isDigit(s[i-1]) {
		i--
	}
	if i == len(s) || i == 0 || s[i-1] != '/' {
		return -1
	}
	return i - 1
}

// parseCIDRLen parses "/n" without leading zeros, n <= max.
func parseCIDRLen(s string, max int) (int, error) {
	if len(s) < 2 || s[0] != '/' || (s[1] == '0' && len(s) > 2) {
		return 0, fmt.Errorf("bad CIDR length %q", s)
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 || n > max || !isDigit(s[1]) {
		return 0, fmt.Errorf("bad CIDR length %q", s)
	}
	return n, nil
}

func parseSPFNetwork(t *spfTerm, arg string) error {
	if !strings.HasPrefix(arg, ":") {
		return fmt.Errorf("%s needs a network", t.mech)
	}
	arg = arg[1:]
	max, bits := 32, -1
	if t.mech == "ip6" {
		max = 128
	}
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		n, err := parseCIDRLen(arg[i:], max)
		if err != nil {
			return err
		}
		arg, bits = arg[:i], n
	}
	addr, err := netip.ParseAddr(arg)
	if err != nil || addr.Zone() != "" || (t.mech == "ip4") != addr.Is4() {
		return fmt.Errorf("bad %s address %q", t.mech, arg)
	}
	if bits < 0 {
		bits = max
	}
	if addr.Is4In6() && bits >= 96 {
		// An IPv4-mapped network is matched as the IPv4 network it maps,
		// since clients are compared in their IPv4 form.
		addr, bits = addr.Unmap(), bits-96
	}
	t.prefix = netip.PrefixFrom(addr, bits).Masked()
	return nil
}

// checkDomainSpec checks the syntax of a domain-spec: a valid macro-string
// that, when it does not end in a macro, ends in a toplabel
// (RFC 7208, section 7.1).
func checkDomainSpec(spec string) error {
	if spec == "" {
		return fmt.Errorf("empty domain-spec")
	}
	if err := checkMacroString(spec, false); err != nil {
		return err
	}
	if strings.HasSuffix(spec, "}") {
		return nil
	}
	s := strings.TrimSuffix(spec, ".")
	i := strings.LastIndexByte(s, '.')
	if i < 0 || !isTopLabel(s[i+1:]) {
		return fmt.Errorf("domain-spec %q has no valid top label", spec)
	}
	return nil
}

// isTopLabel reports whether s is a toplabel (RFC 7208, section 7.1):
// alphanumeric with at least one letter, or containing an inner hyphen.
func isTopLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	letter, hyphen := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
			letter = true
		case c == '-':
			hyphen = true
		case !isDigit(c):
			return false
		}
	}
	return letter || hyphen
}
