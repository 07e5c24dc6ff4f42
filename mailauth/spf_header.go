package mailauth

import "strings"

// ReceivedSPF returns the Received-SPF header field recording the check
// (RFC 7208, section 9.1), folded and ending in CRLF. receiver is the
// receiving host name.
func (c SPFCheck) ReceivedSPF(receiver string) string {
	f := newFolder("Received-SPF")
	f.word(string(c.Result), true)
	comment := "(" + receiver + ": " + spfComment(c) + ")"
	for _, w := range strings.Fields(comment) {
		f.word(w, true)
	}
	pairs := [][2]string{{"client-ip", c.IP.String()}}
	if c.Identity == SPFIdentityMailFrom {
		pairs = append(pairs, [2]string{"envelope-from", c.Sender})
	}
	if c.HELO != "" {
		pairs = append(pairs, [2]string{"helo", c.HELO})
	}
	pairs = append(pairs, [2]string{"identity", c.Identity}, [2]string{"receiver", receiver})
	if c.Problem != "" {
		pairs = append(pairs, [2]string{"problem", c.Problem})
	}
	for i, p := range pairs {
		w := p[0] + "=" + spfKeyValue(p[1])
		if i < len(pairs)-1 {
			w += ";"
		}
		f.word(w, true)
	}
	return f.String()
}

func spfComment(c SPFCheck) string {
	who := "domain of " + c.Sender
	switch c.Result {
	case SPFPass:
		return who + " designates " + c.IP.String() + " as permitted sender"
	case SPFFail, SPFSoftFail:
		return who + " does not designate " + c.IP.String() + " as permitted sender"
	case SPFNone:
		return who + " does not publish an SPF record"
	case SPFTempError, SPFPermError:
		return "error in processing during lookup of " + c.Sender
	}
	return c.IP.String() + " is neither permitted nor denied by " + who
}

// spfKeyValue writes a key-value-pair value as a dot-atom when it can,
// else as a quoted string (RFC 7208, section 9.1).
func spfKeyValue(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isAlpha(c) && !isDigit(c) && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.@:", rune(c)) {
			return quoteAR(v)
		}
	}
	if v == "" {
		return `""`
	}
	return v
}
