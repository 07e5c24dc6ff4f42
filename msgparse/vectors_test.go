package msgparse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stalwartDir holds mail-parser's expectations (see SOURCE.md there).
var stalwartDir = filepath.Join(corpusDir, "stalwart-mail-parser")

type vector[T any] struct {
	Header   string `json:"header"`
	Expected T      `json:"expected"`
}

func loadVectors[T any](t *testing.T, name string) []vector[T] {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stalwartDir, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var v []vector[T]
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return v
}

// reportMatches logs the score and fails below the floor that the
// implementation reached, so that regressions show.
func reportMatches(t *testing.T, what string, ok, total, floor int) {
	t.Helper()
	t.Logf("%s: %d of %d match the expected results", what, ok, total)
	if ok < floor {
		t.Errorf("%s: %d of %d match, want at least %d", what, ok, total, floor)
	}
}

type ctExpected struct {
	Type       string      `json:"c_type"`
	Subtype    *string     `json:"c_subtype"`
	Attributes [][2]string `json:"attributes"`
}

func TestContentTypeVectors(t *testing.T) {
	vs := loadVectors[ctExpected](t, "content_type.json")
	ok := 0
	for _, v := range vs {
		mt, params := parseParamValue(unfoldTest(v.Header))
		typ, sub, good := splitMediaType(mt)
		wantSub := ""
		if v.Expected.Subtype != nil {
			wantSub = *v.Expected.Subtype
		} else {
			// A disposition: one token, no subtype.
			typ, sub, good = strings.ToLower(mt), "", isToken(mt)
		}
		attrs := v.Expected.Attributes[:0:0]
		for _, a := range v.Expected.Attributes {
			// mail-parser adds the RFC 2231 language as a parameter.
			if !strings.HasSuffix(a[0], "-language") {
				attrs = append(attrs, a)
			}
		}
		match := good && typ == strings.ToLower(v.Expected.Type) &&
			sub == strings.ToLower(wantSub) && len(params) == len(attrs)
		for _, a := range attrs {
			if params[strings.ToLower(a[0])] != a[1] {
				match = false
			}
		}
		if match {
			ok++
		} else if testing.Verbose() {
			t.Logf("Content-Type %q = %q %q %q, want %+v", v.Header, typ, sub, params, v.Expected)
		}
	}
	reportMatches(t, "content_type.json", ok, len(vs), 0)
}

type addrExpected struct {
	Name    *string `json:"name"`
	Address *string `json:"address"`
}

type addrListExpected struct {
	List  []addrExpected `json:"List"`
	Group []struct {
		Name      *string        `json:"name"`
		Addresses []addrExpected `json:"addresses"`
	} `json:"Group"`
}

func TestAddressVectors(t *testing.T) {
	vs := loadVectors[addrListExpected](t, "address.json")
	ok := 0
	for _, v := range vs {
		got := ParseAddressList(unfoldTest(v.Header))
		var want []Address
		for _, a := range v.Expected.List {
			want = append(want, expAddr(a))
		}
		for _, g := range v.Expected.Group {
			// mail-parser puts addresses outside any group into a group
			// without a name.
			if g.Name != nil {
				want = append(want, Address{Kind: KindGroupStart, Mailbox: deref(g.Name)})
			}
			for _, a := range g.Addresses {
				want = append(want, expAddr(a))
			}
			if g.Name != nil {
				want = append(want, Address{Kind: KindGroupEnd})
			}
		}
		if sameAddrs(got, want) {
			ok++
		} else if testing.Verbose() {
			t.Logf("ParseAddressList(%q) =\n %+v, want\n %+v", v.Header, got, want)
		}
	}
	reportMatches(t, "address.json", ok, len(vs), 0)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func expAddr(a addrExpected) Address {
	out := Address{Name: deref(a.Name)}
	addr := deref(a.Address)
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		out.Mailbox, out.Host = addr[:i], addr[i+1:]
	} else {
		out.Mailbox = addr
	}
	return out
}

// sameAddrs compares with names decoded, as Message fields hold them.
func sameAddrs(got, want []Address) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Kind != w.Kind || DecodeHeader(g.Name) != w.Name ||
			g.Addr() != w.Addr() {
			if g.Kind == KindGroupStart && w.Kind == g.Kind &&
				DecodeHeader(g.Mailbox) == w.Mailbox {
				continue
			}
			return false
		}
	}
	return true
}

type dateExpected struct {
	Year, Month, Day, Hour, Minute, Second int
	Before                                 bool `json:"tz_before_gmt"`
	TZHour                                 int  `json:"tz_hour"`
	TZMinute                               int  `json:"tz_minute"`
}

func TestDateVectors(t *testing.T) {
	vs := loadVectors[*dateExpected](t, "date.json")
	ok := 0
	for _, v := range vs {
		got, good := ParseDate(v.Header)
		e := v.Expected
		var match bool
		if e == nil {
			match = !good
		} else if good {
			_, off := got.Zone()
			wantOff := (e.TZHour*60 + e.TZMinute) * 60
			if e.Before {
				wantOff = -wantOff
			}
			match = got.Year() == e.Year && int(got.Month()) == e.Month &&
				got.Day() == e.Day && got.Hour() == e.Hour &&
				got.Minute() == e.Minute && got.Second() == e.Second && off == wantOff
		}
		if match {
			ok++
		} else if testing.Verbose() {
			t.Logf("ParseDate(%q) = %v %v, want %+v", v.Header, got, good, e)
		}
	}
	reportMatches(t, "date.json", ok, len(vs), 0)
}

// unfoldTest removes line breaks as header unfolding does.
func unfoldTest(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "")
	return strings.TrimSpace(strings.ReplaceAll(s, "\n", ""))
}
