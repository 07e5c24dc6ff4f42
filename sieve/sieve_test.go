package sieve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustMessage(t testing.TB, s string) *RawMessage {
	t.Helper()
	m, err := ReadMessage(strings.NewReader(strings.ReplaceAll(s, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func run(t *testing.T, src string, msg *RawMessage, opts *Options) (*Result, error) {
	t.Helper()
	sc, err := Compile("test", src, opts)
	if err != nil {
		t.Fatalf("Compile(%q) = %v", src, err)
	}
	return sc.Run(context.Background(), msg, &Env{Envelope: Envelope{
		From: "sender@example.com", To: "omar@example.test"}})
}

func TestErrorPositions(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"keep;\nfrobnicate;", 2, 1, "unknown command"},
		{"if true {\n  keep\n}", 3, 1, "expected ';'"},
		{"fileinto \"x\";", 1, 1, "unknown command 'fileinto'"},
		{"require \"nope\";", 1, 9, "unknown Sieve capability"},
		{"if header :frob \"a\" \"b\" {}", 1, 11, "unknown tagged argument"},
		{"keep;\n\"abc", 2, 1, "end of script before end of quoted string"},
		{"/* open", 1, 1, "bracket comment"},
		{"if size 10 { keep; }", 1, 4, ":under or the :over"},
		{"redirect \"not an address\";", 1, 10, "redirect address"},
		{"require \"relational\";\nif address :count \"frob\" \"to\" \"1\" {}", 2, 12,
			"relational"},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			_, err := Compile("x", tc.src, nil)
			var el *ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("Compile(%q) = %v, want *ErrorList", tc.src, err)
			}
			e := el.Errors[0]
			if e.Pos.Line != tc.line || e.Pos.Col != tc.col ||
				!strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Compile(%q) = %v, want %d:%d %q", tc.src, e, tc.line, tc.col,
					tc.msg)
			}
		})
	}
}

// TestAddressInvalidListMember covers case 027 and its kind: damaged
// entries of an address list never abort the script nor hide the valid
// entries (RFC 5228 sections 2.7.4 and 5.1).
func TestAddressInvalidListMember(t *testing.T) {
	script := `require ["fileinto"];
if address :domain :is "from" "example.org" {
  fileinto "Officials";
  stop;
}
if address :all :is "from" "Rosa Diaz MP" {
  fileinto "Wrong";
}`
	froms := []string{
		"Rosa Diaz MP, Office of Example <rosa.diaz@example.org>",
		"undisclosed-recipients:;, rosa.diaz@example.org",
		"@broken, <rosa.diaz@example.org>",
		"\"Diaz, Rosa\" <rosa.diaz@example.org>",
		"rosa.diaz@example.org (Rosa, MP)",
		"Group: a@, rosa.diaz@example.org;",
	}
	for _, from := range froms {
		t.Run(from, func(t *testing.T) {
			msg := mustMessage(t, "From: "+from+"\nTo: Omar Example <omar@example.test>\n"+
				"Subject: Community newsletter\nMessage-ID: <news-0027@example.org>\n\nNews.\n")
			res, err := run(t, script, msg, nil)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if len(res.Actions) != 1 || res.Actions[0].Mailbox != "Officials" ||
				res.ImplicitKeep {
				t.Errorf("Run(From: %s) = %+v, want fileinto Officials", from, res.Actions)
			}
		})
	}
}

func TestActions(t *testing.T) {
	msg := mustMessage(t, "From: a@example.org\nTo: omar@example.test\nSubject: hi\n\nbody\n")
	tests := []struct {
		name, src string
		want      string
		keep      bool
	}{
		{"implicit keep", "", "", true},
		{"discard", "discard;", "discard", false},
		{"fileinto copy", `require ["fileinto","copy"]; fileinto :copy "A";`, "fileinto:A", true},
		{"dedup", `require "fileinto"; fileinto "A"; fileinto "A"; keep; fileinto "INBOX";`,
			"fileinto:A keep:INBOX", false},
		{"redirect", `redirect "Bob <bob@example.net>";`, "redirect:bob@example.net", false},
		{"flags", `require ["imap4flags"]; addflag "\\Seen"; keep;`, "keep:INBOX[\\Seen]",
			false},
		{"reject", `require "reject"; reject "no";`, "reject", false},
		{"stop", `require "fileinto"; fileinto "A"; stop; fileinto "B";`, "fileinto:A", false},
		{"mailboxid", `require ["fileinto", "mailboxid"]; if not mailboxidexists "F1" {
			fileinto :mailboxid "F1" "Lists"; }`, "fileinto:Lists", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(t, tc.src, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range res.Actions {
				s := string(a.Kind)
				if a.Mailbox != "" {
					s += ":" + a.Mailbox
				}
				if a.Address != "" {
					s += ":" + a.Address
				}
				if len(a.Flags) > 0 {
					s += fmt.Sprint(a.Flags)
				}
				got = append(got, s)
			}
			if strings.Join(got, " ") != tc.want || res.ImplicitKeep != tc.keep {
				t.Errorf("Run(%q) = %q keep=%v, want %q keep=%v", tc.src, got,
					res.ImplicitKeep, tc.want, tc.keep)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	msg := mustMessage(t, "From: a@example.org\nSubject: x\n\nbody\n")
	t.Run("redirects", func(t *testing.T) {
		src := ""
		for i := 0; i < 5; i++ {
			src += fmt.Sprintf("redirect \"u%d@example.net\";\n", i)
		}
		res, err := run(t, src, msg, &Options{MaxRedirects: 4})
		if !errors.Is(err, ErrLimit) || !res.ImplicitKeep {
			t.Errorf("5 redirects = %v keep=%v, want ErrLimit and keep", err, res.ImplicitKeep)
		}
	})
	t.Run("actions", func(t *testing.T) {
		src := `require "fileinto";`
		for i := 0; i < 4; i++ {
			src += fmt.Sprintf("fileinto \"b%d\";\n", i)
		}
		if _, err := run(t, src, msg, &Options{MaxActions: 3}); !errors.Is(err, ErrLimit) {
			t.Errorf("4 actions = %v, want ErrLimit", err)
		}
	})
	t.Run("steps", func(t *testing.T) {
		src := "if anyof(" + strings.Repeat("false, ", 200) + "false) { keep; }"
		if _, err := run(t, src, msg, &Options{MaxSteps: 100}); !errors.Is(err, ErrLimit) {
			t.Errorf("200 tests = %v, want ErrLimit", err)
		}
	})
	t.Run("variable size", func(t *testing.T) {
		src := `require "variables"; set "a" "0123456789";` +
			strings.Repeat(`set "a" "${a}${a}";`, 30) +
			`set :length "n" "${a}"; if not string "${n}" "1000" { discard; }`
		res, err := run(t, src, msg, &Options{MaxVariableSize: 1000})
		if err != nil || len(res.Actions) != 0 {
			t.Errorf("doubling variable = %v %+v, want capped at 1000", err, res.Actions)
		}
	})
	t.Run("regex cost", func(t *testing.T) {
		src := `require ["regex", "variables"]; set "a" "` + strings.Repeat("ab", 500) +
			`"; if string :regex "${a}" "^(a|b)*c$" { discard; }`
		if _, err := run(t, src, msg, &Options{MaxRegexCost: 5000}); !errors.Is(err,
			ErrLimit) {
			t.Errorf("costly regex = %v, want ErrLimit", err)
		}
	})
	t.Run("bad runtime regex", func(t *testing.T) {
		src := `require ["regex", "variables", "fileinto"]; set "r" "[";
			if header :regex "subject" "${r}" { fileinto "x"; }`
		res, err := run(t, src, msg, nil)
		if err != nil || !res.ImplicitKeep || len(res.Warnings) != 1 ||
			!strings.HasPrefix(res.Warnings[0], "error: invalid regular expression") {
			t.Errorf("bad regex = %+v, %v; want a reported error and keep", res, err)
		}
	})
	t.Run("variables", func(t *testing.T) {
		src := `require "variables";`
		for i := 0; i < 5; i++ {
			src += fmt.Sprintf("set \"v%d\" \"x\";", i)
		}
		if _, err := run(t, src, msg, &Options{MaxVariables: 4}); !errors.Is(err, ErrLimit) {
			t.Errorf("5 variables = %v, want ErrLimit", err)
		}
	})
	t.Run("nesting", func(t *testing.T) {
		src := strings.Repeat("if true {", 10) + strings.Repeat("}", 10)
		if _, err := Compile("x", src, &Options{MaxNesting: 5}); err == nil {
			t.Errorf("nesting 10 with MaxNesting 5 compiled")
		}
		if _, err := Compile("x", src, &Options{MaxNesting: 12}); err != nil {
			t.Errorf("nesting 10 with MaxNesting 12 = %v", err)
		}
	})
	t.Run("script size", func(t *testing.T) {
		src := strings.Repeat("keep;\n", 100)
		if _, err := Compile("x", src, &Options{MaxScriptSize: 100}); !errors.Is(err,
			ErrTooLarge) {
			t.Errorf("600-byte script = %v, want ErrTooLarge", err)
		}
	})
	t.Run("match values", func(t *testing.T) {
		src := `require "variables"; if string :matches "abcdef" "*?*?*?*" {
			set "x" "${0}${1}${2}${3}${4}${5}${6}"; } if string "${x}" "abcdef" { discard; }`
		res, err := run(t, src, msg, &Options{MaxMatchValues: 1})
		if err != nil || len(res.Actions) != 1 {
			t.Errorf("match values cap = %v %+v, want only ${0} kept", err, res.Actions)
		}
	})
}

func TestTrustedExtension(t *testing.T) {
	calls := 0
	ext := &Extension{Name: "vnd.example.lookup", Trusted: true, Commands: []CommandSpec{{
		Name: "lookup", Test: true, Args: []string{"string", "string"},
		Tags: map[string]string{"output": "string"},
		Run: func(c *Call) (bool, error) {
			calls++
			if out, ok := c.Tags["output"]; ok {
				c.SetVariable(out.Strings[0], "vip")
			}
			return c.Str(0) == "vips" && c.Str(1) == "a@example.org", nil
		},
	}}}
	src := `require ["vnd.example.lookup", "variables", "fileinto"];
if lookup :output "class" "vips" "a@example.org" { fileinto "${class}"; }`
	if _, err := Compile("user", src, &Options{Extensions: []*Extension{ext}}); err == nil {
		t.Errorf("untrusted script could require a trusted extension")
	}
	opts := &Options{Extensions: []*Extension{ext}, Trusted: true}
	msg := mustMessage(t, "From: a@example.org\n\nx\n")
	res, err := run(t, src, msg, opts)
	if err != nil || calls != 1 || len(res.Actions) != 1 || res.Actions[0].Mailbox != "vip" {
		t.Errorf("trusted run = %+v, %v (calls %d)", res, err, calls)
	}
}

func TestEditHeaderSnapshot(t *testing.T) {
	msg := mustMessage(t, "From: a@example.org\nX-Spam: yes\nSubject: s\n\nx\n")
	src := `require ["editheader", "fileinto"]; fileinto "A"; deleteheader "x-spam";
		addheader "X-Filtered" "yes"; keep;`
	res, err := run(t, src, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Actions[0].Header != nil || len(res.Actions[1].Header) != 3 ||
		res.Actions[1].Header[0].Name != "X-Filtered" || hasHeader(res.Header, "x-spam") {
		t.Errorf("editheader snapshots = %+v", res.Actions)
	}
	if !hasHeader(msg.Header(), "x-spam") {
		t.Errorf("editheader changed the host's message")
	}
}

func TestEncloseReplace(t *testing.T) {
	msg := mustMessage(t, "From: a@example.org\nTo: b@example.net\nSubject: orig\n\nhello\n")
	res, err := run(t, `require ["enclose", "fileinto"];
		enclose :subject "Wrapped" "See attached."; fileinto "Quarantine";`, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Actions[0]
	if !strings.Contains(string(a.Body), "Content-Type: message/rfc822") ||
		!strings.Contains(string(a.Body), "Subject: orig") || len(headerValues(a.Header,
		"subject", true)) != 1 || headerValues(a.Header, "subject", true)[0] != "Wrapped" {
		t.Errorf("enclose gave header %v body %q", a.Header, a.Body)
	}
	res, err = run(t, `require ["replace"]; replace :subject "New" "Replaced text"; keep;`,
		msg, nil)
	if err != nil || string(res.Body) != "Replaced text" ||
		headerValues(res.Header, "subject", true)[0] != "New" {
		t.Errorf("replace = %q %v, %v", res.Body, res.Header, err)
	}
}

func TestReplacePart(t *testing.T) {
	msg := mustMessage(t, "From: a@example.org\nSubject: s\n"+
		"Content-Type: multipart/mixed; boundary=b\n\n"+
		"--b\nContent-Type: text/plain\n\nkeep me\n"+
		"--b\nContent-Type: application/x-evil\n\nBAD\n"+
		"--b\nContent-Type: application/x-evil\n\nBAD2\n--b--\n")
	src := `require ["foreverypart", "mime", "replace", "fileinto"];
		foreverypart {
			if header :mime :subtype "content-type" "x-evil" {
				replace "removed";
			}
		}
		fileinto "Cleaned";`
	res, err := run(t, src, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := string(res.Actions[0].Body)
	if strings.Contains(body, "BAD") || strings.Count(body, "removed") != 2 ||
		!strings.Contains(body, "keep me") || !strings.Contains(body, "--b--") {
		t.Errorf("replaced body = %q", body)
	}
}
