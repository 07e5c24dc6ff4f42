package msgparse

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// charsetAliases covers names seen in mail that the IANA and WHATWG
// indexes do not know.
var charsetAliases = map[string]string{
	"ks_c_5601-1987": "euc-kr",
	"ks_c_5601":      "euc-kr",
	"x-euc-jp":       "euc-jp",
	"x-sjis":         "shift_jis",
	"x-gbk":          "gbk",
	"cp1252":         "windows-1252",
	"cp1251":         "windows-1251",
	"cp1250":         "windows-1250",
	"latin1":         "iso-8859-1",
	"x-unknown":      "",
	"unknown-8bit":   "",
	"x-user-defined": "",
	"ansi_x3.4-1968": "us-ascii",
	"ascii":          "us-ascii",
	"utf8":           "utf-8",
}

// lookupCharset returns the decoder of a charset name (any that
// golang.org/x/text knows through the IANA or WHATWG indexes), or nil.
// US-ASCII and UTF-8 return nil with ok true: the caller checks UTF-8.
func lookupCharset(name string) (enc encoding.Encoding, ok bool) {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if alias, found := charsetAliases[name]; found {
		if alias == "" {
			return nil, false
		}
		name = alias
	}
	switch name {
	case "", "us-ascii", "utf-8":
		return nil, true
	case "iso-8859-1":
		// The WHATWG index maps Latin-1 to windows-1252, which mail
		// senders mean anyway.
		return charmap.Windows1252, true
	}
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e, true
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// toUTF8 converts text in the named charset to UTF-8. Text whose charset
// is absent, US-ASCII, UTF-8 or unknown is kept when it is valid UTF-8
// and otherwise read as windows-1252, so that 8-bit junk still indexes.
// known is false for a charset name that no decoder serves.
func toUTF8(b []byte, charset string) (string, bool) {
	if isUTF7(charset) {
		return strings.ToValidUTF8(decodeUTF7(b), "\uFFFD"), true
	}
	enc, known := lookupCharset(charset)
	if enc != nil {
		if out, err := enc.NewDecoder().Bytes(b); err == nil {
			if !utf8.Valid(out) {
				return strings.ToValidUTF8(string(out), "\uFFFD"), true
			}
			return string(out), true
		}
	}
	if utf8.Valid(b) {
		return string(b), known
	}
	if isUTF8Name(charset) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), known
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), known
	}
	return string(out), known
}

func isUTF7(charset string) bool {
	return strings.EqualFold(strings.TrimSpace(charset), "utf-7")
}

func isUTF8Name(charset string) bool {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "utf-8", "utf8":
		return true
	}
	return false
}
