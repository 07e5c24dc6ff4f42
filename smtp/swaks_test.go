package smtp_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/smtp"
)

// swaks runs the swaks client (Debian package "swaks") against addr. It
// skips the test when swaks is missing, except in CI where it fails.
func swaks(t *testing.T, addr string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("swaks not installed")
		}
		t.Fatal("swaks not installed (apt-get install swaks)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args = append([]string{"--server", addr, "--timeout", "20"}, args...)
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	return string(out), err
}

func TestSwaks(t *testing.T) {
	inbound := setup(t, nil)
	sub := setup(t, submission(&fakeRelay{}))
	tests := []struct {
		name    string
		env     *env
		args    []string
		account string
		want    string // in the stored message
		fail    string // expected in the output when the send must fail
	}{
		{"null reverse-path", inbound, []string{"--from", "<>", "--to", "amy@example.test",
			"--helo", "mx.example.org", "--header", "Subject: Automatic reply: travelling"},
			"amy@example.test", "Return-Path: <>", ""},
		{"pipelining", inbound, []string{"--pipeline", "--from", "dana@example.com",
			"--to", "bob@example.test,eli@example.test"}, "eli@example.test", "with ESMTP", ""},
		{"8-bit body", inbound, []string{"--from", "dana@example.com", "--to", "bob@example.test",
			"--body", "Grüße aus Köln"}, "bob@example.test", "Grüße aus Köln", ""},
		{"STARTTLS and AUTH", sub, []string{"--tls", "--auth", "PLAIN", "--auth-user",
			"bob@example.test", "--auth-password", testPassword, "--from", "bob@example.test",
			"--to", "eli@example.test"}, "eli@example.test", "with ESMTPSA", ""},
		{"AUTH LOGIN", sub, []string{"--tls", "--auth", "LOGIN", "--auth-user",
			"amy@example.test", "--auth-password", testPassword, "--from", "amy@example.test",
			"--to", "bob@example.test"}, "bob@example.test", "with ESMTPSA", ""},
		{"relay refused", inbound, []string{"--from", "dana@example.com",
			"--to", "x@elsewhere.example"}, "", "", "550 5.7.1"},
		{"bad password", sub, []string{"--tls", "--auth", "PLAIN", "--auth-user",
			"bob@example.test", "--auth-password", "wrong", "--from", "bob@example.test",
			"--to", "eli@example.test"}, "", "", "535 5.7.8"},
		{"no TLS for AUTH", sub, []string{"--auth", "PLAIN", "--auth-user",
			"bob@example.test", "--auth-password", testPassword, "--from", "bob@example.test",
			"--to", "eli@example.test"}, "", "", "did not advertise authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := swaks(t, tt.env.addr, tt.args...)
			if tt.fail != "" {
				if err == nil || !strings.Contains(out, tt.fail) {
					t.Fatalf("swaks succeeded or lacks %q: %v\n%s", tt.fail, err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("swaks: %v\n%s", err, out)
			}
			got := tt.env.inbox(t, tt.account)
			if len(got) == 0 || !strings.Contains(got[len(got)-1], tt.want) {
				t.Errorf("inbox(%s) last message lacks %q: %q", tt.account, tt.want, got)
			}
		})
	}
}

// TestSwaksLMTP runs swaks with --protocol LMTP.
func TestSwaksLMTP(t *testing.T) {
	e := setup(t, func(o *smtp.Options) { o.Mode = smtp.ModeLMTP })
	out, err := swaks(t, e.addr, "--protocol", "LMTP", "--from", "dana@example.com",
		"--to", "bob@example.test")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if n := len(e.inbox(t, "bob@example.test")); n != 1 {
		t.Errorf("bob's inbox has %d messages, want 1", n)
	}
}
