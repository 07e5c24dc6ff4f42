package imap

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// TestMalformedInput sends broken commands; each gets BAD and the session
// goes on.
func TestMalformedInput(t *testing.T) {
	env := newEnv(t, []string{"mal@example.test"}, func(o *Options) {
		o.MaxLineLength = 1024
		o.AppendLimit = 4096
		o.MaxNesting = 8
	})
	c := env.login("mal@example.test")
	c.appendMsg("INBOX", "", simpleMsg("one", "x"))
	c.ok("SELECT INBOX")
	tests := []struct{ name, send, want string }{
		{"unbalanced open", "a FETCH 1 (FLAGS UID\r\n", "a BAD"},
		{"unbalanced close", "a SEARCH SEEN)\r\n", "a BAD"},
		{"bad sequence set", "a FETCH 1:*:3 FLAGS\r\n", "a BAD"},
		{"zero in set", "a UID FETCH 0:4 FLAGS\r\n", "a BAD"},
		{"out of range", "a FETCH 7 FLAGS\r\n", "a BAD"},
		{"unknown command", "a XYZZY\r\n", "a BAD"},
		{"unknown fetch item", "a FETCH 1 (FLAGZ)\r\n", "a BAD"},
		{"huge sync literal", "a APPEND INBOX {99999999999}\r\n", "a NO [TOOBIG]"},
		{"too deep", "a SEARCH " + strings.Repeat("(", 20) + "ALL" + strings.Repeat(")", 20) + "\r\n",
			"a BAD [LIMIT]"},
		{"line too long", "a SELECT " + strings.Repeat("x", 2000) + "\r\n", "a BAD [TOOBIG]"},
		{"non-sync literal too big", fmt.Sprintf("a APPEND INBOX {5000+}\r\n%s\r\n",
			strings.Repeat("y", 5000)), "a BAD [TOOBIG]"},
		{"bad date", "a SEARCH SINCE 40-Foo-2020\r\n", "a BAD"},
		{"bare tag", "a\r\n", "a BAD"},
		{"empty line", "\r\n", "* BAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.send(tc.send)
			got := c.readLine()
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("%q -> %q, want %q", tc.send, got, tc.want)
			}
			c.ok("NOOP")
		})
	}
}

func TestSessionLimits(t *testing.T) {
	env := newEnv(t, []string{"lim@example.test"}, func(o *Options) {
		o.MaxSessionsPerAccount = 2
		o.MaxConnsPerIP = 4
	})
	env.login("lim@example.test")
	env.login("lim@example.test")
	c := env.dial()
	if _, status := c.do("LOGIN lim@example.test " + testPass); !strings.HasPrefix(status, "NO [LIMIT]") {
		t.Errorf("third login = %q, want NO [LIMIT]", status)
	}
	env.dial()
	conn, err := net.Dial("tcp", env.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, _ := conn.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "* BYE") {
		t.Errorf("fifth connection got %q, want BYE", buf[:n])
	}
}

func TestIdleTimeout(t *testing.T) {
	env := newEnv(t, []string{"idle@example.test"}, func(o *Options) {
		o.IdleTimeout = 300 * time.Millisecond
	})
	c := env.login("idle@example.test")
	start := time.Now()
	if l := c.readLine(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("got %q, want BYE", l)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// IDLE is bounded by the same timer.
	c = env.login("idle@example.test")
	c.send("i1 IDLE\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE = %q", l)
	}
	if l := c.readLine(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("IDLE timeout got %q, want BYE", l)
	}
}

func TestDefaultIdleTimeoutIsRFCMinimum(t *testing.T) {
	if d := (Options{}).withDefaults().IdleTimeout; d < 30*time.Minute {
		t.Errorf("default IdleTimeout = %v, want >= 30m (RFC 9051 section 5.4)", d)
	}
}

// TestShutdown ends idle and busy sessions with BYE and returns.
func TestShutdown(t *testing.T) {
	env := newEnv(t, []string{"sd@example.test"}, nil)
	a := env.login("sd@example.test")
	b := env.login("sd@example.test")
	b.ok("SELECT INBOX")
	b.send("i IDLE\r\n")
	if l := b.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE = %q", l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range []*rawClient{a, b} {
		if l := c.readLine(); !strings.HasPrefix(l, "* BYE") {
			t.Errorf("got %q, want BYE", l)
		}
	}
	if _, err := net.DialTimeout("tcp", env.addr, time.Second); err == nil {
		t.Error("listener still accepts after Shutdown")
	}
}

// TestHugeNonSyncLiteral: a non-synchronizing literal announcing more
// than the server reads past gets BAD [TOOBIG] and the connection ends at
// once, before login too, instead of the server reading gigabytes.
func TestHugeNonSyncLiteral(t *testing.T) {
	env := newEnv(t, []string{"big@example.test"}, nil)
	c := env.dial()
	c.send("a LOGIN {10737418240+}\r\n")
	if got := c.readLine(); !strings.HasPrefix(got, "a BAD [TOOBIG]") {
		t.Fatalf("reply %q, want a BAD [TOOBIG]", got)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.r.ReadString('\n'); err == nil {
		t.Errorf("connection still open after a 10 GB literal was refused")
	}
}

// TestTooManyKeywords: past mailstore.MaxKeywords on one message, STORE
// gets NO [LIMIT], not a syntax error.
func TestTooManyKeywords(t *testing.T) {
	env := newEnv(t, []string{"kw@example.test"}, nil)
	c := env.login("kw@example.test")
	c.appendMsg("INBOX", "", simpleMsg("one", "x"))
	c.ok("SELECT INBOX")
	var kws []string
	for i := range mailstore.MaxKeywords + 10 {
		kws = append(kws, fmt.Sprintf("k%d", i))
	}
	_, last := c.do("STORE 1 +FLAGS (" + strings.Join(kws, " ") + ")")
	if !strings.Contains(last, "NO [LIMIT]") {
		t.Errorf("STORE of %d keywords: %q, want NO [LIMIT]", len(kws), last)
	}
	c.ok("NOOP")
}
