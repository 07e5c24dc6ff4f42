// Package clienttest is a scripted SMTP and LMTP server for tests of
// outbound delivery: it records what it receives and answers with the
// replies a test chooses, multi-line ones included. It listens on
// loopback only.
package clienttest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Received is one message the server accepted.
type Received struct {
	From       string
	MailParams string
	To         []string
	RcptParams []string
	Data       []byte
	TLS        bool
	User       string
	Chunked    bool
}

// Server is a scripted SMTP server. Set the fields before Start.
type Server struct {
	// Name is the host name in the greeting. Default "mx.test".
	Name string
	// Extensions are the EHLO keywords offered, such as "PIPELINING",
	// "STARTTLS", "CHUNKING", "DSN", "SIZE 1000", "AUTH PLAIN LOGIN".
	Extensions []string
	// TLSConfig serves STARTTLS, or every connection when Implicit.
	TLSConfig *tls.Config
	Implicit  bool
	// LMTP answers LHLO and gives one DATA reply per recipient.
	LMTP bool
	// Greeting replaces "220 <Name> ESMTP".
	Greeting string
	// OnMail, OnRcpt and OnData choose a reply; "" means 250. A reply
	// may hold several CRLF-separated lines.
	OnMail func(from string) string
	OnRcpt func(to string) string
	OnData func(r *Received, rcpt string) string
	// Auth checks AUTH credentials; nil accepts all.
	Auth func(user, pass string) bool
	// Delay is slept before each DATA reply.
	Delay time.Duration

	mu       sync.Mutex
	msgs     []Received
	sessions int
	peak     int
	conns    map[net.Conn]bool
	closed   bool
	accepted int
	l        net.Listener
	wg       sync.WaitGroup
}

// Start listens on 127.0.0.1 and serves until Close; it returns the
// address.
func (s *Server) Start() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.l = l
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	return l.Addr().String(), nil
}

// Port returns the listening port.
func (s *Server) Port() int { return s.l.Addr().(*net.TCPAddr).Port }

// Connections returns how many connections the server has taken.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// DropConnections closes the open connections, as a server does with
// idle clients, and keeps listening.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops the server, closes its connections and waits for them.
func (s *Server) Close() {
	s.l.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

type session struct {
	s   *Server
	c   net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	cur *Received
	tls bool
	usr string
}

// Peak returns the most sessions that were open at once.
func (s *Server) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.sessions++
	s.accepted++
	s.peak = max(s.peak, s.sessions)
	if s.conns == nil {
		s.conns = map[net.Conn]bool{}
	}
	s.conns[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.sessions--
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	ss := &session{s: s, c: c}
	if s.Implicit && s.TLSConfig != nil {
		tc := tls.Server(c, s.TLSConfig)
		if tc.Handshake() != nil {
			return
		}
		ss.c, ss.tls = tc, true
	}
	ss.br, ss.bw = bufio.NewReader(ss.c), bufio.NewWriter(ss.c)
	greet := s.Greeting
	if greet == "" {
		greet = "220 " + s.name() + " ESMTP"
	}
	ss.reply(greet)
	for {
		line, err := ss.br.ReadString('\n')
		if err != nil {
			return
		}
		if !ss.command(strings.TrimRight(line, "\r\n")) {
			return
		}
	}
}

func (s *Server) name() string {
	if s.Name == "" {
		return "mx.test"
	}
	return s.Name
}

// reply writes a reply of one or more CRLF-separated lines.
func (ss *session) reply(r string) {
	ss.bw.WriteString(crlf(r))
	ss.bw.Flush()
}

// crlf ends every line of r with CRLF.
func crlf(r string) string {
	r = strings.ReplaceAll(strings.TrimRight(r, "\r\n"), "\r\n", "\n")
	return strings.ReplaceAll(r, "\n", "\r\n") + "\r\n"
}

func or250(r string) string {
	if r == "" {
		return "250 2.0.0 OK"
	}
	return r
}

// command runs one command; false ends the session.
func (ss *session) command(line string) bool {
	verb, arg, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "EHLO", "LHLO":
		lines := append([]string{ss.s.name()}, ss.s.Extensions...)
		if ss.tls {
			lines = without(lines, "STARTTLS")
		}
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			ss.bw.WriteString("250" + sep + l + "\r\n")
		}
		ss.bw.Flush()
	case "HELO":
		ss.reply("250 " + ss.s.name())
	case "STARTTLS":
		return ss.startTLS()
	case "AUTH":
		ss.auth(arg)
	case "MAIL":
		ss.mail(arg)
	case "RCPT":
		ss.rcpt(arg)
	case "DATA":
		ss.data()
	case "BDAT":
		return ss.bdat(arg)
	case "RSET":
		ss.cur = nil
		ss.reply("250 2.0.0 OK")
	case "QUIT":
		ss.reply("221 2.0.0 Bye")
		return false
	default:
		ss.reply("500 5.5.2 Unknown command")
	}
	return true
}

func without(lines []string, drop string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if l != drop {
			out = append(out, l)
		}
	}
	return out
}

func (ss *session) startTLS() bool {
	if ss.s.TLSConfig == nil {
		ss.reply("454 4.7.0 TLS not available")
		return true
	}
	ss.reply("220 2.0.0 Ready")
	tc := tls.Server(ss.c, ss.s.TLSConfig)
	if tc.Handshake() != nil {
		return false
	}
	ss.c, ss.tls = tc, true
	ss.br, ss.bw = bufio.NewReader(tc), bufio.NewWriter(tc)
	return true
}

func (ss *session) auth(arg string) {
	mech, ir, _ := strings.Cut(arg, " ")
	var user, pass string
	switch strings.ToUpper(mech) {
	case "PLAIN":
		b, _ := base64.StdEncoding.DecodeString(ir)
		parts := strings.Split(string(b), "\x00")
		if len(parts) == 3 {
			user, pass = parts[1], parts[2]
		}
	case "LOGIN":
		user, pass = ss.prompt("VXNlcm5hbWU6"), ss.prompt("UGFzc3dvcmQ6")
	}
	if ss.s.Auth != nil && !ss.s.Auth(user, pass) {
		ss.reply("535 5.7.8 Authentication failed")
		return
	}
	ss.usr = user
	ss.reply("235 2.7.0 Authenticated")
}

func (ss *session) prompt(p string) string {
	ss.reply("334 " + p)
	line, _ := ss.br.ReadString('\n')
	b, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(line))
	return string(b)
}

// path splits "FROM:<a> PARAMS" into the address and the parameters.
func path(arg string) (string, string) {
	_, rest, _ := strings.Cut(arg, ":")
	rest = strings.TrimSpace(rest)
	addr, params, _ := strings.Cut(rest, " ")
	return strings.Trim(addr, "<>"), params
}

func (ss *session) mail(arg string) {
	from, params := path(arg)
	var r string
	if ss.s.OnMail != nil {
		r = ss.s.OnMail(from)
	}
	if r == "" {
		ss.cur = &Received{From: from, MailParams: params, TLS: ss.tls, User: ss.usr}
	}
	ss.reply(or250(r))
}

func (ss *session) rcpt(arg string) {
	to, params := path(arg)
	if ss.cur == nil {
		ss.reply("503 5.5.1 MAIL first")
		return
	}
	var r string
	if ss.s.OnRcpt != nil {
		r = ss.s.OnRcpt(to)
	}
	if r == "" {
		ss.cur.To = append(ss.cur.To, to)
		ss.cur.RcptParams = append(ss.cur.RcptParams, params)
	}
	ss.reply(or250(r))
}

func (ss *session) data() {
	if ss.cur == nil || len(ss.cur.To) == 0 {
		ss.reply("554 5.5.1 No valid recipients")
		return
	}
	ss.reply("354 Go ahead")
	var buf bytes.Buffer
	for {
		line, err := ss.br.ReadString('\n')
		if err != nil {
			return
		}
		if line == ".\r\n" {
			break
		}
		buf.WriteString(strings.TrimPrefix(line, "."))
	}
	ss.cur.Data = buf.Bytes()
	ss.finish()
}

func (ss *session) bdat(arg string) bool {
	f := strings.Fields(arg)
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ss.cur == nil {
		ss.reply("501 5.5.4 Bad BDAT")
		return false
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(ss.br, data); err != nil {
		return false
	}
	ss.cur.Data = append(ss.cur.Data, data...)
	ss.cur.Chunked = true
	if len(f) > 1 && strings.EqualFold(f[1], "LAST") {
		ss.finish()
	} else {
		ss.reply("250 2.0.0 chunk OK")
	}
	return true
}

// finish gives the final DATA replies and records the message.
func (ss *session) finish() {
	time.Sleep(ss.s.Delay)
	r := ss.cur
	ss.cur = nil
	rcpts := []string{""}
	if ss.s.LMTP {
		rcpts = r.To
	}
	accepted := false
	for _, to := range rcpts {
		var rep string
		if ss.s.OnData != nil {
			rep = ss.s.OnData(r, to)
		}
		accepted = accepted || rep == ""
		ss.bw.WriteString(crlf(or250(rep)))
	}
	if accepted {
		ss.s.mu.Lock()
		ss.s.msgs = append(ss.s.msgs, *r)
		ss.s.mu.Unlock()
	}
	ss.bw.Flush()
}
