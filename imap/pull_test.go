package imap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/store/bolt"
	"github.com/bulwarkmail/bulwark/store/fsblob"
)

// newBoltEnv starts a server on the embedded default stores: bbolt for
// records and the filesystem for message blobs, both in a temporary
// folder.
func newBoltEnv(tb testing.TB, accounts []string, tweak func(*Options)) *testEnv {
	tb.Helper()
	dir := tb.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "mail.db"), bolt.Options{NoSync: true})
	if err != nil {
		tb.Fatalf("bolt.Open: %v", err)
	}
	blobs, err := fsblob.Open(filepath.Join(dir, "blobs"), fsblob.Options{NoSync: true})
	if err != nil {
		tb.Fatalf("fsblob.Open: %v", err)
	}
	env := buildEnvOn(tb, db, blobs, accounts, tweak)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = env.srv.Shutdown(ctx)
		_ = blobs.Close()
		_ = db.Close()
	})
	return env
}

// pullMessage builds message i of a pull fixture, the same bytes on
// every run: mostly prose of 2 to 20 KiB drawn from a few thousand made-up
// words, and every seventh message with a base64 attachment of 30 to 90
// KiB, so that sizes and compressibility resemble real mail.
func pullMessage(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	word := func() string {
		n := r.IntN(len(pullSyllables) * len(pullSyllables))
		w := pullSyllables[n%len(pullSyllables)] + pullSyllables[n/len(pullSyllables)]
		if r.IntN(3) == 0 {
			w += pullSyllables[r.IntN(len(pullSyllables))]
		}
		return w
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: Sender %d <s%d@example.test>\r\nTo: r@example.test\r\n"+
		"Subject: pull %d %s %s\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n"+
		"Message-ID: <p%d@example.test>\r\nMIME-Version: 1.0\r\n", i, i, i, word(), word(), i)
	attach := i%7 == 0
	if attach {
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	size := b.Len() + 2048 + r.IntN(18<<10)
	line := 0
	for b.Len() < size {
		w := word()
		if line+len(w) > 72 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(w + " ")
		line += len(w) + 1
	}
	b.WriteString("\r\n")
	if attach {
		raw := make([]byte, 30<<10+r.IntN(60<<10))
		for k := range raw {
			raw[k] = byte(r.Uint32())
		}
		enc := base64.StdEncoding.EncodeToString(raw)
		b.WriteString("--b\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n")
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n--b--\r\n")
	}
	return b.String()
}

var pullSyllables = []string{"ka", "lo", "mi", "ne", "to", "ra", "su", "vi", "de", "po",
	"an", "el", "or", "us", "in", "ter", "con", "pro", "ment", "tion", "gal", "bre", "fin",
	"sto", "wer", "qua", "zim", "hob", "ly", "ex"}

// fillPull appends n pull messages to the account's INBOX through the
// store.
func fillPull(tb testing.TB, env *testEnv, account string, n int) {
	tb.Helper()
	ctx := context.Background()
	mb, err := env.store.MailboxByName(ctx, account, "INBOX")
	if err != nil {
		tb.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		var kw []string
		if i%3 == 0 {
			kw = []string{"$seen"}
		}
		if _, _, err := env.store.Append(ctx, account, mb.ID, strings.NewReader(pullMessage(i)),
			kw, base.Add(time.Duration(i)*time.Minute)); err != nil {
			tb.Fatalf("Append %d: %v", i, err)
		}
	}
}

// mbsyncPull runs one "Sync Pull" of INBOX into an empty Maildir, as a
// user's first sync does, and returns the time it took and the number of
// messages in the Maildir afterwards.
func mbsyncPull(tb testing.TB, env *testEnv, user string, compress bool) (time.Duration, int) {
	tb.Helper()
	bin := needTool(tb, "mbsync")
	dir := tb.TempDir()
	host, port, _ := strings.Cut(env.addr, ":")
	var extra string
	if !compress {
		extra = "DisableExtension COMPRESS=DEFLATE\n"
	}
	conf := fmt.Sprintf("FSync no\n\nIMAPAccount a\nHost %s\nPort %s\nUser %s\nPass %s\n"+
		"SSLType None\nAuthMechs LOGIN\n%s\nIMAPStore remote\nAccount a\n\n"+
		"MaildirStore local\nPath %s/m/\nInbox %s/m/INBOX\n\n"+
		"Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n",
		host, port, user, testPass, extra, dir, dir)
	rc := filepath.Join(dir, "rc")
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "m"), 0o700); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cpu0 := processCPU()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "-q", "-c", rc, "-a")
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		tb.Fatalf("mbsync: %v\n%s", err, out)
	}
	tb.Logf("server cpu %v, mbsync cpu %v", processCPU()-cpu0,
		cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	n := 0
	for _, sub := range []string{"cur", "new"} {
		ents, _ := os.ReadDir(filepath.Join(dir, "m", "INBOX", sub))
		n += len(ents)
	}
	return took, n
}

// TestMbsyncPull pulls a mailbox of a few thousand messages on the bolt
// and filesystem stores with mbsync, with and without COMPRESS=DEFLATE,
// and checks that every message arrives.
func TestMbsyncPull(t *testing.T) {
	if testing.Short() {
		t.Skip("large mailbox in -short mode")
	}
	n := 2000
	if raceEnabled {
		n = 200
	}
	const user = "pull@example.test"
	env := newBoltEnv(t, []string{user}, nil)
	start := time.Now()
	fillPull(t, env, user, n)
	t.Logf("fill %d: %v", n, time.Since(start))
	for _, compress := range []bool{false, true} {
		took, got := mbsyncPull(t, env, user, compress)
		t.Logf("mbsync pull of %d messages (compress %v): %v", n, compress, took)
		if got != n {
			t.Errorf("compress %v: Maildir has %d messages, want %d", compress, got, n)
		}
	}
}

// pullSession pulls every message of the selected INBOX the way mbsync
// does: the UID and flag list first, then one pipelined "UID FETCH uid
// (BODY.PEEK[])" per message, all sent before the answers are read. It
// returns the octets of message data received.
func pullSession(tb testing.TB, env *testEnv, user string, n int, compress bool) int64 {
	tb.Helper()
	c := env.login(user)
	var r *bufio.Reader
	var w io.Writer = c.conn
	flush := func() error { return nil }
	r = c.r
	if compress {
		c.ok("COMPRESS DEFLATE")
		zw, err := flate.NewWriter(c.conn, flate.BestSpeed)
		if err != nil {
			tb.Fatal(err)
		}
		w, flush = zw, zw.Flush
		r = bufio.NewReaderSize(flate.NewReader(c.r), 64<<10)
	}
	_ = c.conn.SetDeadline(time.Now().Add(2 * time.Minute))
	defer func() { _ = c.conn.SetDeadline(time.Time{}) }()
	send := func(s string) {
		if _, err := io.WriteString(w, s); err != nil {
			tb.Fatalf("write: %v", err)
		}
	}
	readTo := func(tag string) (int64, int) {
		var octets int64
		lines := 0
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				tb.Fatalf("read: %v", err)
			}
			if bytes.HasPrefix(line, []byte(tag+" ")) {
				if !bytes.HasPrefix(line, []byte(tag+" OK")) {
					tb.Fatalf("%s: %q", tag, line)
				}
				return octets, lines
			}
			lines++
			trim := bytes.TrimRight(line, "\r\n")
			if i := bytes.LastIndexByte(trim, '{'); i >= 0 && bytes.HasSuffix(trim, []byte("}")) {
				size, err := strconv.ParseInt(string(trim[i+1:len(trim)-1]), 10, 64)
				if err != nil {
					tb.Fatalf("literal size in %q", line)
				}
				if _, err := r.Discard(int(size)); err != nil {
					tb.Fatalf("read literal: %v", err)
				}
				octets += size
			}
		}
	}
	send("s SELECT INBOX\r\nl UID FETCH 1:* (UID FLAGS)\r\n")
	if err := flush(); err != nil {
		tb.Fatal(err)
	}
	readTo("s")
	if _, lines := readTo("l"); lines != n {
		tb.Fatalf("flag list has %d lines, want %d", lines, n)
	}
	done := make(chan error, 1)
	go func() {
		for uid := 1; uid <= n; uid++ {
			if _, err := fmt.Fprintf(w, "f%d UID FETCH %d (BODY.PEEK[])\r\n", uid, uid); err != nil {
				done <- err
				return
			}
			if uid%64 == 0 || uid == n {
				if err := flush(); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	var total int64
	for uid := 1; uid <= n; uid++ {
		octets, _ := readTo(fmt.Sprintf("f%d", uid))
		total += octets
	}
	if err := <-done; err != nil {
		tb.Fatal(err)
	}
	send("z LOGOUT\r\n")
	_ = flush()
	_ = c.conn.Close()
	return total
}

// BenchmarkPull measures a first sync of a 1,000-message mailbox on the
// bolt and filesystem stores, as mbsync pulls it (pullSession), with and
// without COMPRESS=DEFLATE; the figure is octets of message per second.
func BenchmarkPull(b *testing.B) {
	const n = 1000
	const user = "pull@example.test"
	env := newBoltEnv(b, []string{user}, nil)
	fillPull(b, env, user, n)
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("compress=%v", compress), func(b *testing.B) {
			var size int64
			for range b.N {
				size = pullSession(b, env, user, n, compress)
			}
			b.SetBytes(size)
		})
	}
}
