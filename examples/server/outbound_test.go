package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// sink is a loopback SMTP server that accepts every message and keeps
// it, standing for the rest of the Internet.
type sink struct {
	l    net.Listener
	mu   sync.Mutex
	msgs []sunk
	got  chan struct{}
}

type sunk struct {
	from string
	to   []string
	data string
}

func startSink(t *testing.T) *sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{l: l, got: make(chan struct{}, 16)}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// serve speaks just enough SMTP for one client.
func (s *sink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprint(c, "220 sink.test ESMTP\r\n")
	var m sunk
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			fmt.Fprint(c, "250-sink.test\r\n250 8BITMIME\r\n")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = sunk{from: strings.TrimSpace(line[10:])}
			fmt.Fprint(c, "250 ok\r\n")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, strings.TrimSpace(line[8:]))
			fmt.Fprint(c, "250 ok\r\n")
		case cmd == "DATA":
			fmt.Fprint(c, "354 go on\r\n")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			s.got <- struct{}{}
			fmt.Fprint(c, "250 queued\r\n")
		case cmd == "QUIT":
			fmt.Fprint(c, "221 bye\r\n")
			return
		default:
			fmt.Fprint(c, "250 ok\r\n")
		}
	}
}

func (s *sink) wait(t *testing.T) sunk {
	t.Helper()
	select {
	case <-s.got:
	case <-time.After(30 * time.Second):
		t.Fatal("no message reached the sink within 30s")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[len(s.msgs)-1]
}

// TestSubmissionToRemoteDomainThroughQueue submits mail for a remote
// domain; the queue hands it to the configured relay, DKIM-signed.
func TestSubmissionToRemoteDomainThroughQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	relay := startSink(t)
	keyFile := writeDKIMKey(t)
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"bob@example.test": "bob-secret"}, false,
		fmt.Sprintf("[relay]\nhost = %q\n", relay.l.Addr().String()),
		fmt.Sprintf("[[dkim.keys]]\ndomain = \"example.test\"\nselector = \"s1\"\n"+
			"private_key = %q\n", keyFile))

	c, err := smtp.Dial(p.submission)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(trustServer(t, p)); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "bob@example.test", "bob-secret", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	msg := "From: bob@example.test\r\nTo: zoe@remote.test\r\nSubject: hi Zoe\r\n\r\nHello\r\n"
	if err := c.Mail("bob@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("zoe@remote.test"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, msg)
	if err := w.Close(); err != nil {
		t.Fatalf("submission: %v", err)
	}
	got := relay.wait(t)
	if got.from != "<bob@example.test>" || len(got.to) != 1 || got.to[0] != "<zoe@remote.test>" {
		t.Errorf("relay saw MAIL %s RCPT %v", got.from, got.to)
	}
	if !strings.Contains(got.data, "DKIM-Signature:") || !strings.Contains(got.data, "d=example.test") {
		t.Errorf("relayed message not DKIM-signed:\n%s", got.data)
	}
	if !strings.HasSuffix(got.data, msg) {
		t.Errorf("relayed message does not end with the submitted one:\n%s", got.data)
	}
}

// TestJMAPSeesDeliveredMail reads, over JMAP, a message delivered over
// SMTP, and marks it seen; IMAP then shows the flag.
func TestJMAPSeesDeliveredMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"dan@example.test": "dan-secret"}, false)
	sendPlain(t, p.smtp, "amy@elsewhere.test", "dan@example.test",
		"From: amy@elsewhere.test\r\nSubject: via jmap\r\n\r\nbody\r\n")
	base := "http://" + p.http
	call := func(body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/jmap/api",
			strings.NewReader(body))
		req.SetBasicAuth("dan@example.test", "dan-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("JMAP %d: %s", resp.StatusCode, data)
		}
		var out map[string]any
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("JMAP response %s: %v", data, err)
		}
		return out
	}
	req, _ := http.NewRequest("GET", base+"/.well-known/jmap", nil)
	req.SetBasicAuth("dan@example.test", "dan-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var session struct {
		PrimaryAccounts map[string]string `json:"primaryAccounts"`
	}
	json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	acct := session.PrimaryAccounts["urn:ietf:params:jmap:mail"]
	if acct == "" {
		t.Fatal("session has no mail account")
	}
	out := call(fmt.Sprintf(`{"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],
	 "methodCalls":[["Email/query",{"accountId":%q},"q"],
	  ["Email/get",{"accountId":%q,"#ids":{"resultOf":"q","name":"Email/query","path":"/ids"},
	   "properties":["subject","keywords"]},"g"]]}`, acct, acct))
	text, _ := json.Marshal(out)
	if !strings.Contains(string(text), `"subject":"via jmap"`) {
		t.Fatalf("Email/get did not return the delivered message: %s", text)
	}
	var ids struct {
		MethodResponses [][]json.RawMessage `json:"methodResponses"`
	}
	json.Unmarshal(text, &ids)
	var query struct {
		IDs []string `json:"ids"`
	}
	json.Unmarshal(ids.MethodResponses[0][1], &query)
	if len(query.IDs) != 1 {
		t.Fatalf("Email/query ids = %v, want one", query.IDs)
	}
	call(fmt.Sprintf(`{"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],
	 "methodCalls":[["Email/set",{"accountId":%q,"update":{%q:{"keywords/$seen":true}}},"s"]]}`,
		acct, query.IDs[0]))

	ic, err := imapclient.DialTLS(p.imaps, &imapclient.Options{TLSConfig: trustServer(t, p)})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("dan@example.test", "dan-secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := ic.Fetch(imapSeq1(), flagsOnly()).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !hasFlag(msgs[0].Flags, `\Seen`) {
		t.Errorf("IMAP does not show the $seen set over JMAP")
	}
}

// writeDKIMKey writes a fresh Ed25519 key as a PKCS #8 PEM file.
func writeDKIMKey(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sendPlain delivers msg over SMTP without STARTTLS, as a sending MTA
// that does not trust the self-signed certificate would.
func sendPlain(t *testing.T, addr, from, to, msg string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, msg)
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()
}
