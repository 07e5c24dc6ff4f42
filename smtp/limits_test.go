package smtp_test

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

func TestCommandLineLength(t *testing.T) {
	for _, limit := range []int{0, 100} {
		t.Run(itoa(limit), func(t *testing.T) {
			e := setup(t, func(o *smtp.Options) { o.MaxCommandLength = limit })
			max := limit
			if max == 0 {
				max = smtp.DefaultMaxCommandLength
			}
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("NOOP "+strings.Repeat("x", max-7), 250) // exactly the limit
			c.cmd("NOOP "+strings.Repeat("x", max-6), 500)
			c.cmd("NOOP "+strings.Repeat("x", 20000), 500) // beyond any buffer
			// MAIL and RCPT have 512 more for parameters (RFC 1869).
			c.cmd("MAIL FROM:<dana@example.com> ENVID="+strings.Repeat("x", 99), 250)
			c.cmd("NOOP", 250)
		})
	}
}

func TestTextLineLength(t *testing.T) {
	tests := []struct {
		limit, line, want int
	}{
		{0, 998, 250},
		{0, 999, 554},
		{2000, 1998, 250},
		{2000, 1999, 554},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.limit)+"/"+itoa(tt.line), func(t *testing.T) {
			e := setup(t, func(o *smtp.Options) { o.MaxTextLineLength = tt.limit })
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<dana@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("DATA", 354)
			c.send("Subject: long\r\n\r\n" + strings.Repeat("y", tt.line) + "\r\n.\r\n")
			c.expect(tt.want)
			c.cmd("NOOP", 250)
		})
	}
}

func TestMessageSize(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.MaxMessageSize = 1000 })
	c := dialGreeted(t, e.addr)
	if ext := strings.Join(c.hello(), "|"); !strings.Contains(ext, "SIZE 1000") {
		t.Errorf("EHLO = %q, want SIZE 1000", ext)
	}
	text := c.cmd("MAIL FROM:<dana@example.com> SIZE=1001", 552)
	if !strings.HasPrefix(text, "5.3.4") {
		t.Errorf("MAIL SIZE over = %q, want 5.3.4", text)
	}
	c.cmd("MAIL FROM:<dana@example.com> SIZE=1000", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)
	c.send("Subject: big\r\n\r\n" + strings.Repeat("z\r\n", 400) + ".\r\n")
	c.expect(552)
	c.cmd("NOOP", 250)
	if n := len(e.inbox(t, "bob@example.test")); n != 0 {
		t.Errorf("bob's inbox has %d messages, want 0", n)
	}
}

func TestMaxRecipients(t *testing.T) {
	for _, limit := range []int{0, 3} {
		t.Run(itoa(limit), func(t *testing.T) {
			e := setup(t, func(o *smtp.Options) { o.MaxRecipients = limit })
			max := limit
			if max == 0 {
				max = smtp.DefaultMaxRecipients
			}
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<dana@example.com>", 250)
			var b strings.Builder
			for i := 0; i < max; i++ {
				b.WriteString("RCPT TO:<bob@example.test>\r\n")
			}
			c.send(b.String())
			for i := 0; i < max; i++ {
				c.expect(250)
			}
			// Far more refused recipients than MaxErrors: each is a 452
			// the client retries later, not an error that ends the session.
			for i := 0; i < 2*smtp.DefaultMaxErrors; i++ {
				text := c.cmd("RCPT TO:<eli@example.test>", 452)
				if !strings.HasPrefix(text, "4.5.3") {
					t.Fatalf("recipient over limit = %q, want 4.5.3", text)
				}
			}
			c.cmd("DATA", 354)
			c.send(message("many") + ".\r\n")
			c.expect(250)
			if n := len(e.inbox(t, "bob@example.test")); n != 1 {
				t.Errorf("bob's inbox has %d messages, want 1 (one per account)", n)
			}
		})
	}
}

func TestMaxCommandsAndErrors(t *testing.T) {
	e := setup(t, func(o *smtp.Options) {
		o.MaxCommands = 4
		o.MaxErrors = 3
	})
	c := dialGreeted(t, e.addr)
	for i := 0; i < 4; i++ {
		c.cmd("NOOP", 250)
	}
	c.cmd("NOOP", 421)
	if !c.closed() {
		t.Error("connection open after too many commands")
	}
	c = dialGreeted(t, e.addr)
	c.cmd("BAD1", 500)
	c.cmd("BAD2", 500)
	c.send("BAD3\r\n")
	c.expect(500)
	if text := c.expect(421); !strings.HasPrefix(text, "4.7.0") {
		t.Errorf("after too many errors = %q, want 4.7.0", text)
	}
	if !c.closed() {
		t.Error("connection open after too many errors")
	}
}

func TestConnectionLimits(t *testing.T) {
	tests := []struct {
		name string
		opts func(o *smtp.Options)
	}{
		{"per IP", func(o *smtp.Options) { o.MaxConnectionsPerIP = 2 }},
		{"total", func(o *smtp.Options) { o.MaxConnections = 2 }},
		{"rate", func(o *smtp.Options) { o.ConnectionRate = smtp.Rate{Limit: 2, Per: time.Hour} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts)
			dialGreeted(t, e.addr)
			c2 := dialGreeted(t, e.addr)
			c3 := dial(t, e.addr)
			code, text := c3.reply()
			if code != 421 || !strings.HasPrefix(text, "4.") {
				t.Fatalf("third connection = %d %s, want 421", code, text)
			}
			if !c3.closed() {
				t.Error("refused connection left open")
			}
			if tt.name == "rate" {
				return
			}
			c2.cmd("QUIT", 221)
			c2.closed()
			deadline := time.Now().Add(5 * time.Second)
			for {
				c4 := dial(t, e.addr)
				if code, _ := c4.reply(); code == 220 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("a freed connection slot was not reused")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestMessageRates(t *testing.T) {
	tests := []struct {
		name string
		opts func(o *smtp.Options)
		from []string
	}{
		{"per IP", func(o *smtp.Options) { o.MessageRate = smtp.Rate{Limit: 1, Per: time.Hour} },
			[]string{"a@example.com", "b@example.com"}},
		{"per sender", func(o *smtp.Options) { o.SenderRate = smtp.Rate{Limit: 1, Per: time.Hour} },
			[]string{"a@example.com", "A@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, tt.opts)
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<"+tt.from[0]+">", 250)
			c.cmd("RSET", 250)
			if text := c.cmd("MAIL FROM:<"+tt.from[1]+">", 450); !strings.HasPrefix(text, "4.7.1") {
				t.Errorf("second message = %q, want 4.7.1", text)
			}
		})
	}
}

func TestCommandTimeout(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.CommandTimeout = 200 * time.Millisecond })
	c := dialGreeted(t, e.addr)
	c.hello()
	if text := c.expect(421); !strings.HasPrefix(text, "4.4.2") {
		t.Errorf("idle client = %q, want 421 4.4.2", text)
	}
	if !c.closed() {
		t.Error("connection open after timeout")
	}
}

func TestLoopDetection(t *testing.T) {
	tests := []struct {
		hops, max, want int
	}{
		{50, 0, 250},
		{51, 0, 554},
		{3, 2, 554},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.hops), func(t *testing.T) {
			e := setup(t, func(o *smtp.Options) { o.MaxReceived = tt.max })
			c := dialGreeted(t, e.addr)
			c.hello()
			c.cmd("MAIL FROM:<dana@example.com>", 250)
			c.cmd("RCPT TO:<bob@example.test>", 250)
			c.cmd("DATA", 354)
			var b strings.Builder
			for i := 0; i < tt.hops; i++ {
				b.WriteString("Received: from a\r\n\tby b; Thu, 3 Dec 2026 10:00:00 +0000\r\n")
			}
			b.WriteString("X-Note: received: not a trace field\r\n")
			c.send(b.String() + "Subject: loop\r\n\r\nReceived: in the body\r\n.\r\n")
			if code, text := c.reply(); code != tt.want ||
				tt.want == 554 && !strings.HasPrefix(text, "5.4.6") {
				t.Errorf("%d hops = %d %s, want %d", tt.hops, code, text, tt.want)
			}
		})
	}
}

// TestDisconnectMidData checks that a client leaving during DATA or BDAT
// stores nothing and leaves the server serving.
func TestDisconnectMidData(t *testing.T) {
	spoolDir := t.TempDir()
	e := setup(t, func(o *smtp.Options) {
		o.TempDir = spoolDir
		o.SpoolMemory = 1024
	})
	big := strings.Repeat("spill to the spool file\r\n", 200)
	for _, bdat := range []bool{false, true} {
		c := dialGreeted(t, e.addr)
		c.hello()
		c.cmd("MAIL FROM:<dana@example.com>", 250)
		c.cmd("RCPT TO:<bob@example.test>", 250)
		if bdat {
			c.send("BDAT 100000 LAST\r\nSubject: cut\r\n\r\n" + big)
		} else {
			c.cmd("DATA", 354)
			c.send("Subject: cut\r\n\r\n" + big)
		}
		c.c.Close()
	}
	c := dialGreeted(t, e.addr)
	c.cmd("QUIT", 221)
	deadline := time.Now().Add(5 * time.Second)
	for {
		left, _ := os.ReadDir(spoolDir)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool files left behind: %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 0 {
		t.Errorf("bob's inbox has %d messages, want 0", n)
	}
}

// digestDelivery hashes each message instead of storing it.
type digestDelivery struct {
	mu   sync.Mutex
	size int64
	sum  [32]byte
}

func (d *digestDelivery) Deliver(ctx context.Context, m *smtp.Message) ([]error, error) {
	h := sha256.New()
	n, err := io.Copy(h, m.Body())
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.size = n
	copy(d.sum[:], h.Sum(nil))
	return nil, nil
}

// TestLargeMessageBoundedMemory sends 50 MB and checks the heap grows
// far less than the message: the server spools to disk.
func TestLargeMessageBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB transfer")
	}
	d := &digestDelivery{}
	spoolDir := t.TempDir()
	e := setup(t, func(o *smtp.Options) {
		o.Delivery = d
		o.MaxMessageSize = 60 << 20
		o.TempDir = spoolDir
	})
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com> SIZE=52428800", 250)
	c.cmd("RCPT TO:<bob@example.test>", 250)
	c.cmd("DATA", 354)

	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}()
	line := strings.Repeat("0123456789abcdef", 62) + "\r\n" // 994 bytes
	head := "Subject: large\r\n\r\n"
	h := sha256.New()
	h.Write([]byte(head))
	c.send(head)
	chunk := []byte(strings.Repeat(line, 1024))
	sent := int64(len(head))
	for sent < 50<<20 {
		if _, err := c.c.Write(chunk); err != nil {
			t.Fatal(err)
		}
		h.Write(chunk)
		sent += int64(len(chunk))
	}
	c.send(".\r\n")
	c.expect(250)
	close(stop)
	<-sampled
	d.mu.Lock()
	size, sum := d.size, d.sum
	d.mu.Unlock()
	if size != sent || [32]byte(h.Sum(nil)) != sum {
		t.Fatalf("delivered %d bytes (digest match %v), want %d", size,
			[32]byte(h.Sum(nil)) == sum, sent)
	}
	t.Logf("heap grew by %d KB while receiving %d MB", (int64(peak)-int64(base))>>10, sent>>20)
	if grow := int64(peak) - int64(base); grow > 8<<20 {
		t.Errorf("heap grew by %d MB for a 50 MB message", grow>>20)
	}
	if left, _ := os.ReadDir(spoolDir); len(left) != 0 {
		t.Errorf("spool files left behind: %v", left)
	}
}

// TestLongLinesCountAsErrors checks that over-long lines count toward
// MaxErrors like any failed command.
func TestLongLinesCountAsErrors(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.MaxErrors = 2 })
	c := dialGreeted(t, e.addr)
	long := "NOOP " + strings.Repeat("x", 20000) + "\r\n"
	c.send(long + long)
	c.expect(500)
	c.expect(500)
	c.expect(421)
	if !c.closed() {
		t.Error("connection open after too many long lines")
	}
}

// TestNULInCommand: a NUL octet in a command line is a syntax error in
// its parameters (501), and the session goes on.
func TestNULInCommand(t *testing.T) {
	e := setup(t, nil)
	c := dialGreeted(t, e.addr)
	c.hello()
	c.cmd("MAIL FROM:<dana@example.com>", 250)
	c.cmd("RCPT TO:<ali\x00ce@example.org>", 501)
	c.cmd("NOOP", 250)
}
