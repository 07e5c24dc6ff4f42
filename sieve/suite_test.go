package sieve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// suite runs Pigeonhole .svtest scripts: it implements the
// vnd.dovecot.testsuite commands as a host extension.
type suite struct {
	dir      string
	config   map[string]string
	script   *Script
	errors   []string
	res      *Result
	resOK    bool
	boxes    map[string][][]byte
	smtp     []sent
	binaries map[string]*Script
	meta     map[string]string
	failures []string
	tests    int
	savedEnv *Envelope
}

type sent struct {
	data []byte
	env  Envelope
}

type testFailure struct{ reason string }

func (e *testFailure) Error() string { return "test failed: " + e.reason }

func (s *suite) namespace(ns, name string) string {
	if ns == "tst" && name == "path" {
		return s.dir
	}
	return ""
}

func (s *suite) extension() *Extension {
	matchTags := map[string]string{"index": "number"}
	return &Extension{Name: "vnd.dovecot.testsuite", Commands: []CommandSpec{
		{Name: "test", Args: []string{"string"}, Block: true, Run: s.cmdTest},
		{Name: "test_fail", Args: []string{"string"}, Run: func(c *Call) (bool, error) {
			return false, &testFailure{c.Str(0)}
		}},
		{Name: "test_set", Args: []string{"string", "string"}, Run: s.cmdSet},
		{Name: "test_config_set", Args: []string{"string", "string"},
			Run: func(c *Call) (bool, error) {
				s.config[strings.ToLower(c.Str(0))] = c.Str(1)
				return true, nil
			}},
		{Name: "test_config_unset", Args: []string{"string"},
			Run: func(c *Call) (bool, error) {
				delete(s.config, strings.ToLower(c.Str(0)))
				return true, nil
			}},
		{Name: "test_config_reload", Tags: map[string]string{"extension": "string"},
			Run: func(c *Call) (bool, error) {
				c.rt.env.SpamTest = s.spamConfig()
				c.rt.env.Lists = s.extLists()
				c.rt.env.UserAddresses = nil
				if u := s.config["sieve_user_email"]; u != "" {
					c.rt.env.UserAddresses = []string{u}
				}
				s.environment(c.rt.env)
				o := s.options()
				o.MaxSteps = c.rt.opts.MaxSteps
				c.rt.opts = o
				return true, nil
			}},
		{Name: "test_message", Tags: map[string]string{"smtp": "", "folder": "string"},
			Args: []string{"number"}, Run: s.cmdMessage},
		{Name: "test_message", Test: true,
			Tags: map[string]string{"smtp": "", "folder": "string"},
			Args: []string{"number"}, Run: s.cmdMessage},
		{Name: "test_mailbox_create", Args: []string{"string"},
			Run: func(c *Call) (bool, error) {
				if _, ok := s.boxes[c.Str(0)]; !ok {
					s.boxes[c.Str(0)] = nil
				}
				return true, nil
			}},
		{Name: "test_mailbox_delete", Args: []string{"string"},
			Run: func(c *Call) (bool, error) { delete(s.boxes, c.Str(0)); return true, nil }},
		{Name: "test_imap_metadata_set", Tags: map[string]string{"mailbox": "string"},
			Args: []string{"string", "string"}, Run: func(c *Call) (bool, error) {
				key := ""
				if m, ok := c.Tags["mailbox"]; ok {
					key = m.Strings[0]
				}
				s.meta[key+"\x00"+strings.ToLower(c.Str(0))] = c.Str(1)
				return true, nil
			}},
		{Name: "test_result_reset", Run: func(c *Call) (bool, error) {
			c.rt.res = &Result{}
			c.rt.implicit = true
			c.rt.redirects = 0
			c.rt.notifies = 0
			s.smtp = nil
			s.resOK = true
			return true, nil
		}},
		{Name: "test_result_print", Run: func(*Call) (bool, error) { return true, nil }},
		{Name: "test_message_print", Run: func(*Call) (bool, error) { return true, nil }},
		{Name: "test_binary_save", Args: []string{"string"}, Run: func(c *Call) (bool, error) {
			s.binaries[c.Str(0)] = s.script
			return true, nil
		}},
		{Name: "test_binary_load", Args: []string{"string"}, Run: func(c *Call) (bool, error) {
			s.script = s.binaries[c.Str(0)]
			return true, nil
		}},
		{Name: "test_script_compile", Test: true, Args: []string{"string"},
			Run: s.cmdCompile},
		{Name: "test_script_run", Test: true, Tags: map[string]string{"append_result": ""},
			Run: s.cmdRun},
		{Name: "test_multiscript", Test: true, Args: []string{"strings"},
			Run: s.cmdMultiscript},
		{Name: "test_result_execute", Test: true, Run: s.cmdExecute},
		{Name: "test_error", Test: true, Match: true, Tags: matchTags,
			Args: []string{"strings"}, Run: func(c *Call) (bool, error) {
				ok, err := c.Match(pick(c, s.errors))
				if !ok && os.Getenv("SIEVE_DEBUG") != "" {
					fmt.Fprintf(os.Stderr, "test_error %v %v at %v: got %d errors:\n  %s\n",
						c.Tags, c.Args, c.Pos, len(s.errors), strings.Join(s.errors, "\n  "))
				}
				return ok, err
			}},
		{Name: "test_result_action", Test: true, Match: true, Tags: matchTags,
			Args: []string{"strings"}, Run: func(c *Call) (bool, error) {
				var names []string
				for _, a := range c.rt.res.Actions {
					names = append(names, actionName(a))
				}
				return c.Match(pick(c, names))
			}},
	}}
}

func actionName(a Action) string {
	switch a.Kind {
	case ActionKeep, ActionFileInto:
		if a.Kind == ActionKeep {
			return "keep"
		}
		return "store"
	}
	return string(a.Kind)
}

// pick applies :index (1-based) to values, or returns them all.
func pick(c *Call, values []string) []string {
	if v, ok := c.Tags["index"]; ok {
		i := int(v.Num)
		if i < 1 || i > len(values) {
			return nil
		}
		return values[i-1 : i]
	}
	return values
}

func (s *suite) cmdTest(c *Call) (bool, error) {
	s.tests++
	err := c.RunBlock()
	var tf *testFailure
	if errors.As(err, &tf) {
		s.failures = append(s.failures, fmt.Sprintf("%s: %s", c.Str(0), tf.reason))
		return false, nil
	}
	if errors.Is(err, errStop) {
		return false, nil
	}
	if err != nil {
		s.failures = append(s.failures, fmt.Sprintf("%s: run error: %v", c.Str(0), err))
	}
	return false, nil
}

func (s *suite) setMessage(rt *runtime, data []byte) {
	m, _ := ReadMessage(bytes.NewReader(data))
	rt.msg = m
	rt.hdr = m.Header()
	rt.edited = false
	rt.sizeDelta = 0
	rt.addrCache = nil
	rt.bodyRead = false
	rt.body = nil
	rt.root = nil
}

func (s *suite) cmdSet(c *Call) (bool, error) {
	v := c.Str(1)
	env := &c.rt.env.Envelope
	switch strings.ToLower(c.Str(0)) {
	case "message":
		s.setMessage(c.rt, []byte(v))
		if s.savedEnv != nil {
			*env = *s.savedEnv
			s.savedEnv = nil
		}
	case "envelope.from":
		env.From = v
	case "envelope.to":
		env.To = v
	case "envelope.orig_to":
		env.OrigTo = v
	case "envelope.auth":
		env.Auth = v
	default:
		s.config[strings.ToLower(c.Str(0))] = v
	}
	return true, nil
}

func (s *suite) cmdMessage(c *Call) (bool, error) {
	i := int(c.Args[0].Num)
	var list [][]byte
	if f, ok := c.Tags["folder"]; ok {
		list = s.boxes[f.Strings[0]]
	} else {
		for _, m := range s.smtp {
			list = append(list, m.data)
		}
	}
	if i >= len(list) {
		if c.n.spec.test {
			return false, nil
		}
		return false, &testFailure{fmt.Sprintf("no message %d", i)}
	}
	s.setMessage(c.rt, list[i])
	if !c.Has("folder") {
		if s.savedEnv == nil {
			saved := c.rt.env.Envelope
			s.savedEnv = &saved
		}
		c.rt.env.Envelope = s.smtp[i].env
	}
	return true, nil
}

func (s *suite) options() *Options {
	o := &Options{Extensions: []*Extension{s.extension()}}
	atoi := func(k string) int {
		n, _ := strconv.Atoi(s.config[k])
		return n
	}
	o.MaxVariableSize = atoi("sieve_variables_max_variable_size")
	if d, err := time.ParseDuration(s.config["sieve_max_cpu_time"]); err == nil {
		o.MaxCPUTime = d
	}
	o.MaxRedirects = atoi("sieve_max_redirects")
	o.MaxActions = atoi("sieve_max_actions")
	o.MaxIncludeDepth = atoi("sieve_include_max_nesting_depth")
	o.MaxIncludes = atoi("sieve_include_max_includes")
	o.MaxHeaderSize = atoi("sieve_editheader_max_header_size")
	if v, ok := s.config["sieve_notify_max_notifications"]; ok {
		if v == "0" {
			o.Disabled = append(o.Disabled, "enotify")
		}
		o.MaxNotifications = atoi("sieve_notify_max_notifications")
	}
	for k, v := range s.config {
		rest, ok := strings.CutPrefix(k, "sieve_editheader_header/")
		if !ok || v != "yes" {
			continue
		}
		name, what, _ := strings.Cut(rest, "/")
		switch what {
		case "forbid_add":
			o.EditHeaderForbidAdd = append(o.EditHeaderForbidAdd, name)
		case "forbid_delete":
			o.EditHeaderForbidDelete = append(o.EditHeaderForbidDelete, name)
		}
	}
	o.VacationDefaultSubject = s.config["sieve_vacation_default_subject"]
	o.VacationSubjectTemplate = s.config["sieve_vacation_default_subject_template"]
	o.VacationUseOriginalRecipient = s.config["sieve_vacation_use_original_recipient"] ==
		"yes"
	o.VacationAnyRecipient = s.config["sieve_vacation_check_recipient"] == "no"
	if d, ok := s.config["recipient_delimiter"]; ok {
		o.SubaddressSeparator = d
	}
	return o
}

func (s *suite) cmdCompile(c *Call) (bool, error) {
	s.errors = nil
	s.script = nil
	path := filepath.Join(s.dir, c.Str(0))
	src, err := os.ReadFile(path)
	if err != nil {
		s.errors = []string{err.Error()}
		return false, nil
	}
	name := strings.TrimSuffix(filepath.Base(path), ".sieve")
	sc, err := Compile(name, string(src), s.options())
	if err != nil {
		// Pigeonhole ends a failed compile with one summary error of its
		// own, and the suite's counts include it.
		s.errors = append(errorTexts(err), "script compile failed")
		return false, nil
	}
	loader := &dirLoader{dir: s.dir, opts: s.options()}
	if err := CheckIncludes(c.Context(), sc, loader, s.options()); err != nil {
		s.errors = append(errorTexts(err), "script compile failed")
		if os.Getenv("SIEVE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "include check %s: %v\n", path, err)
		}
		return false, nil
	}
	s.script = sc
	return true, nil
}

func errorTexts(err error) []string {
	var el *ErrorList
	if errors.As(err, &el) {
		var out []string
		for _, e := range el.Errors {
			out = append(out, e.Msg)
		}
		return out
	}
	var re *RuntimeError
	if errors.As(err, &re) {
		return []string{re.Msg}
	}
	return []string{err.Error()}
}

func (s *suite) subEnv(c *Call) *Env {
	env := *c.rt.env
	env.Scripts = &dirLoader{dir: s.dir, opts: s.options()}
	return &env
}

func (s *suite) cmdRun(c *Call) (bool, error) {
	s.errors = nil
	if s.script == nil {
		return false, nil
	}
	msg := messageOf(c.rt)
	var prev *Result
	if c.Has("append_result") {
		prev = &Result{Actions: c.rt.res.Actions, ImplicitKeep: c.rt.implicit}
	}
	res, err := s.script.runAfter(c.Context(), msg, s.subEnv(c), nil, prev)
	c.rt.res = res
	c.rt.implicit = res.ImplicitKeep
	if err != nil {
		s.errors = errorTexts(err)
		return false, nil
	}
	for _, w := range res.Warnings {
		if msg, ok := strings.CutPrefix(w, "error: "); ok {
			s.errors = append(s.errors, msg)
		}
	}
	return true, nil
}

// messageOf returns the current message of rt, with edits applied.
func messageOf(rt *runtime) Message {
	body, _ := rt.loadBody()
	return &RawMessage{header: rt.hdr, body: body, size: rt.msg.Size()}
}

// cmdMultiscript runs scripts in sequence as a delivery agent runs the
// before, personal and after scripts, then carries out the result.
func (s *suite) cmdMultiscript(c *Call) (bool, error) {
	s.errors = nil
	msg := messageOf(c.rt).(*RawMessage)
	var res *Result
	for _, p := range c.Args[0].Strings {
		src, err := os.ReadFile(filepath.Join(s.dir, p))
		if err != nil {
			return false, nil
		}
		sc, err := Compile(filepath.Base(p), string(src), s.options())
		if err != nil {
			s.errors = errorTexts(err)
			return false, nil
		}
		res, err = sc.runAfter(c.Context(), msg, s.subEnv(c), nil, res)
		if err != nil {
			s.errors = errorTexts(err)
			return false, nil
		}
		if res.Header != nil || res.Body != nil {
			next := &RawMessage{header: msg.header, body: msg.body}
			if res.Header != nil {
				next.header = res.Header
			}
			if res.Body != nil {
				next.body = res.Body
			}
			next.size = int64(headerLen(next.header) + 2 + len(next.body))
			msg = next
		}
		if !res.ImplicitKeep && !hasKeep(res) {
			break
		}
	}
	c.rt.res = res
	c.rt.implicit = res.ImplicitKeep
	s.setMessage(c.rt, render(msg.header, nil, msg))
	return s.cmdExecute(c)
}

func hasKeep(r *Result) bool {
	for _, a := range r.Actions {
		if a.Kind == ActionKeep {
			return true
		}
	}
	return false
}

// cmdExecute carries out the result like a delivery agent would.
func (s *suite) cmdExecute(c *Call) (bool, error) {
	rt := c.rt
	for _, a := range rt.res.Actions {
		switch a.Kind {
		case ActionKeep:
			s.store("INBOX", rt, a.Header)
		case ActionFileInto:
			if strings.Contains(a.Mailbox, "//") || strings.HasPrefix(a.Mailbox, "/") {
				s.errors = []string{"failed to store into mailbox '" + a.Mailbox +
					"': invalid mailbox name"}
				return false, nil
			}
			if _, ok := s.boxes[a.Mailbox]; !ok && !a.Create && a.Mailbox != "INBOX" {
				s.errors = []string{"failed to store into mailbox '" + a.Mailbox +
					"': Mailbox doesn't exist"}
				return false, nil
			}
			s.store(a.Mailbox, rt, a.Header)
		}
	}
	o := SendOptions{RedirectFrom: s.config["sieve_redirect_envelope_from"],
		UserEmail:             s.config["sieve_user_email"],
		NotifyFrom:            s.config["sieve_notify_mailto_envelope_from"],
		VacationFromRecipient: s.config["sieve_vacation_send_from_recipient"] == "yes"}
	res := &Result{Actions: rt.res.Actions}
	for _, out := range res.Outgoing(rt.hdr, rt.env.Envelope, o) {
		body := out.Body
		if body == nil {
			body, _ = rt.loadBody()
		}
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		writeHeader(w, out.Header)
		w.WriteString("\r\n")
		w.Write(body)
		w.Flush()
		for _, to := range out.Recipients {
			s.smtp = append(s.smtp, sent{data: buf.Bytes(),
				env: Envelope{From: out.ReversePath, To: to}})
		}
	}
	if rt.implicit {
		s.store("INBOX", rt, nil)
	}
	return true, nil
}

func render(h []HeaderField, rt *runtime, msg *RawMessage) []byte {
	if h == nil {
		h = rt.hdr
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	writeHeader(w, h)
	w.WriteString("\r\n")
	var body []byte
	if msg != nil {
		body = msg.body
	} else {
		body, _ = rt.loadBody()
	}
	w.Write(body)
	w.Flush()
	return buf.Bytes()
}

func (s *suite) store(box string, rt *runtime, h []HeaderField) {
	s.boxes[box] = append(s.boxes[box], render(h, rt, nil))
}

// dirLoader loads included scripts from the test folder.
type dirLoader struct {
	dir  string
	opts *Options
}

func (l *dirLoader) LoadScript(ctx context.Context, name string, global bool) (*Script, error) {
	dir := filepath.Join(l.dir, "included")
	if global {
		dir = filepath.Join(l.dir, "included-global")
	}
	file := name
	if !strings.HasSuffix(file, ".sieve") {
		file += ".sieve"
	}
	src, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, ErrScriptNotFound)
	}
	return Compile(name, string(src), l.opts)
}

// runSuiteFile runs one .svtest file and returns the failures.
func runSuiteFile(t *testing.T, path string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	s := &suite{dir: filepath.Dir(path), config: map[string]string{},
		boxes: map[string][][]byte{"INBOX": nil}, binaries: map[string]*Script{},
		meta: map[string]string{}, resOK: true}
	opts := &Options{Extensions: []*Extension{s.extension()}, MaxSteps: 5000000}
	sc, err := Compile(filepath.Base(path), string(src), opts)
	if err != nil {
		return []string{"compile: " + err.Error()}
	}
	msg, _ := ReadMessage(strings.NewReader("From: a@example.org\r\n\r\nbody\r\n"))
	env := &Env{Envelope: Envelope{From: "sender@example.com"}}
	env.Scripts = &dirLoader{dir: s.dir, opts: opts}
	env.Mailboxes = s
	s.environment(env)
	_, err = sc.RunWith(context.Background(), msg, env, s)
	if err != nil {
		s.failures = append(s.failures, "run: "+err.Error())
	}
	return s.failures
}
