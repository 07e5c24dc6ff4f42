package imap

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
)

// itConn is one connection of a script run.
type itConn struct {
	conn net.Conn
	r    *bufio.Reader
	n    int
}

func (c *itConn) send(s string) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(c.conn, s)
	return err
}

// readResp reads one response with its literals inlined as placeholders
// registered in lits.
func (c *itConn) readResp(lits map[string]string) (string, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var sb strings.Builder
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasSuffix(line, "}") {
			i := strings.LastIndexByte(line, '{')
			if n, err := strconv.Atoi(line[i+1 : len(line)-1]); i >= 0 && err == nil {
				buf := make([]byte, n)
				if _, err := io.ReadFull(c.r, buf); err != nil {
					return "", err
				}
				start := i
				if start > 0 && line[start-1] == '~' {
					start--
				}
				key := fmt.Sprintf("\x00R%d", len(lits))
				lits[key] = string(buf)
				sb.WriteString(line[:start])
				sb.WriteString(key)
				continue
			}
		}
		sb.WriteString(line)
		return sb.String(), nil
	}
}

type itRun struct {
	sc    *itScript
	env   *testEnv
	conns []*itConn
	m     *matcher
	next  int // next mbox message
	lits  map[string]string
}

func execScript(t *testing.T, sc *itScript) string {
	env := newEnv(t, []string{"testuser@example.test", "testuser2@example.test"}, nil)
	run := &itRun{sc: sc, env: env, lits: map[string]string{},
		m: &matcher{vars: map[string]string{
			"user": "testuser@example.test", "username": "testuser",
			"domain": "example.test", "password": testPass, "mailbox": "imaptest",
			"user2": "testuser2@example.test", "username2": "testuser2",
			"domain2": "example.test", "mailbox_url": "imaptest",
		}}}
	for k, v := range sc.lits {
		run.lits[k] = v
	}
	defer func() {
		for _, c := range run.conns {
			_ = c.conn.Close()
		}
	}()
	if reason := run.setup(); reason != "" {
		return reason
	}
	for _, it := range parseItems(sc) {
		if reason := run.exec(it); reason != "" {
			return fmt.Sprintf("line %d: %s", it.line+1, reason)
		}
	}
	return ""
}

func (r *itRun) setup() string {
	for i := 0; i < max(r.sc.conns, 1); i++ {
		nc, err := net.DialTimeout("tcp", r.env.addr, 5*time.Second)
		if err != nil {
			return "dial: " + err.Error()
		}
		c := &itConn{conn: nc, r: bufio.NewReader(nc)}
		r.conns = append(r.conns, c)
		if _, err := c.readResp(r.lits); err != nil {
			return "greeting: " + err.Error()
		}
		if r.sc.state == "nonauth" {
			continue
		}
		if st, _ := r.simple(c, "LOGIN testuser@example.test "+testPass); st != "OK" {
			return "login failed"
		}
	}
	if r.sc.state == "nonauth" {
		return ""
	}
	_, caps := r.simple(r.conns[0], "CAPABILITY")
	for _, want := range r.sc.caps {
		if !strings.Contains(" "+strings.ToUpper(caps)+" ", " "+strings.ToUpper(want)+" ") {
			return "skip: capability " + want
		}
	}
	if r.sc.state == "auth" {
		return ""
	}
	if st, _ := r.simple(r.conns[0], "CREATE imaptest"); st != "OK" {
		return "setup CREATE failed"
	}
	if r.sc.state == "created" {
		return ""
	}
	n := r.sc.messages
	if n < 0 {
		n = len(r.sc.mbox)
	}
	for i := 0; i < n && len(r.sc.mbox) > 0; i++ {
		msg := r.sc.mbox[r.next%len(r.sc.mbox)]
		r.next++
		cmd := fmt.Sprintf("APPEND imaptest \"%s\" {%d+}\r\n%s", wire.FormatDateTime(msg.date),
			len(msg.data), msg.data)
		if st, text := r.simple(r.conns[0], cmd); st != "OK" {
			return "setup APPEND failed: " + text
		}
	}
	if r.sc.state == "appended" {
		return ""
	}
	for _, c := range r.conns {
		if st, _ := r.simple(c, "SELECT imaptest"); st != "OK" {
			return "setup SELECT failed"
		}
	}
	return ""
}

// simple runs one command and returns its status word and all text.
func (r *itRun) simple(c *itConn, cmd string) (string, string) {
	c.n++
	tag := fmt.Sprintf("s%d", c.n)
	if err := c.send(tag + " " + cmd + "\r\n"); err != nil {
		return "", err.Error()
	}
	var all strings.Builder
	for {
		l, err := c.readResp(r.lits)
		if err != nil {
			return "", err.Error()
		}
		all.WriteString(l + "\n")
		if strings.HasPrefix(l, tag+" ") {
			f := strings.Fields(l)
			return strings.ToUpper(f[1]), all.String()
		}
	}
}

// wireCommand expands variables and literals of a script command.
func (r *itRun) wireCommand(text string) string {
	words := strings.Fields(text)
	if len(words) > 0 && strings.EqualFold(words[0], "append") && !strings.Contains(text, "\x00") {
		if len(words) == 1 {
			text = "append $mailbox"
		}
		msg := r.sc.mbox[r.next%len(r.sc.mbox)]
		r.next++
		text += fmt.Sprintf(" {%d+}\r\n%s", len(msg.data), msg.data)
	}
	var sb strings.Builder
	for {
		i := strings.IndexByte(text, '\x00')
		if i < 0 {
			sb.WriteString(strings.TrimPrefix(r.m.expand(text), "\x01"))
			return sb.String()
		}
		sb.WriteString(strings.TrimPrefix(r.m.expand(text[:i]), "\x01"))
		j := i + 1
		for j < len(text) && (text[j] >= '0' && text[j] <= '9' || j == i+1) {
			j++
		}
		key := text[i:j]
		lit := r.lits[key]
		if key[1] == 'B' {
			sb.WriteString(fmt.Sprintf("~{%d+}\r\n%s", len(lit), lit))
		} else {
			sb.WriteString(fmt.Sprintf("{%d+}\r\n%s", len(lit), lit))
		}
		text = text[j:]
	}
}

// exec runs one item and checks its replies.
func (r *itRun) exec(it *itItem) string {
	if it.conn < 1 || it.conn > len(r.conns) {
		return "bad connection number"
	}
	c := r.conns[it.conn-1]
	tags := make([]string, len(it.cmds))
	for i, cmd := range it.cmds {
		c.n++
		tags[i] = fmt.Sprintf("c%d", c.n)
		r.m.vars["tag"] = tags[i]
		if err := c.send(tags[i] + " " + r.wireCommand(cmd.text) + "\r\n"); err != nil {
			return "send: " + err.Error()
		}
	}
	var untagged []string
	done := 0
	statuses := make([]string, len(it.cmds))
	for done < len(it.cmds) {
		l, err := c.readResp(r.lits)
		if err != nil {
			return fmt.Sprintf("read: %v (command %q)", err, it.cmds[0].text)
		}
		if strings.HasPrefix(l, "+") {
			continue
		}
		matched := false
		for i, tag := range tags {
			if strings.HasPrefix(l, tag+" ") {
				statuses[i] = strings.TrimPrefix(l, tag+" ")
				done++
				matched = true
			}
		}
		if !matched {
			untagged = append(untagged, strings.TrimPrefix(l, "* "))
		}
	}
	for i, cmd := range it.cmds {
		if reason := r.checkStatus(cmd, statuses[i]); reason != "" {
			return fmt.Sprintf("%q: %s", cmd.text, reason)
		}
	}
	return r.checkReplies(it, untagged)
}

func (r *itRun) checkStatus(cmd *itCmd, got string) string {
	word, _, _ := strings.Cut(got, " ")
	if cmd.status != "" && cmd.status != "?" && !strings.EqualFold(word, cmd.status) {
		return fmt.Sprintf("status %q, want %s", got, cmd.status)
	}
	if cmd.prefix != "" && cmd.status != "?" {
		want := tokenize(cmd.prefix, r.lits)
		_, rest, _ := strings.Cut(got, " ")
		gotT := tokenize(rest, r.lits)
		if len(gotT) > len(want) {
			gotT = gotT[:len(want)]
		}
		if !r.m.matchList(want, gotT, listOpts{}, "", 0) {
			return fmt.Sprintf("status %q, want prefix %q", got, cmd.prefix)
		}
	}
	return ""
}

func (r *itRun) checkReplies(it *itItem, untagged []string) string {
	used := make([]bool, len(untagged))
	got := make([][]itok, len(untagged))
	for i, u := range untagged {
		got[i] = tokenize(u, r.lits)
	}
	for _, rep := range it.replies {
		want := tokenize(rep.text, r.lits)
		switch rep.kind {
		case '*':
			found := false
			for pass := 0; pass < 2 && !found; pass++ {
				for i := range got {
					if (pass == 1 || !used[i]) && r.m.match(want, got[i]) {
						used[i], found = true, true
						break
					}
				}
			}
			if !found {
				return fmt.Sprintf("missing reply %q to %q; got %q", rep.text, it.cmds[0].text,
					clip(untagged))
			}
		case '!':
			for i := range got {
				if r.m.match(want, got[i]) {
					return fmt.Sprintf("banned reply %q to %q", untagged[i], it.cmds[0].text)
				}
			}
		}
	}
	if !r.sc.ignoreExtra {
		for i, u := range untagged {
			if !used[i] && !strings.HasPrefix(strings.ToUpper(u), "OK") {
				return fmt.Sprintf("unexpected reply %q to %q", u, it.cmds[0].text)
			}
		}
	}
	return ""
}

func clip(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.ReplaceAll(l, "\x00", "#")
		if len(l) > 200 {
			l = l[:200] + "..."
		}
		out = append(out, l)
		if len(out) >= 6 {
			break
		}
	}
	return out
}
