package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwarkmail/bulwark/directory"
)

// TestPostmasterAccountChoice checks which account receives postmaster
// mail: the configured one, else the first administrator, else the
// first account by name.
func TestPostmasterAccountChoice(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	b, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	check := func(want string) {
		t.Helper()
		got, err := postmasterAccount(ctx, cfg, b)
		if err != nil || got != want {
			t.Errorf("postmasterAccount = %q, %v, want %q", got, err, want)
		}
	}
	check("")
	add := func(name string, roles ...string) {
		t.Helper()
		p := directory.Principal{Name: name, Type: directory.Individual,
			Emails: []string{name}, Roles: roles}
		if err := b.dir.CreatePrincipal(ctx, p, "a long secret"); err != nil {
			t.Fatal(err)
		}
	}
	add("kim@example.test", directory.RoleUser)
	add("bea@example.test", directory.RoleUser)
	check("bea@example.test")
	add("zoe@example.test", directory.RoleUser, directory.RoleAdmin)
	check("zoe@example.test")
	cfg.Inbound.Postmaster = "kim@example.test"
	check("kim@example.test")
	cfg.Inbound.Postmaster = "nobody@example.test"
	if _, err := postmasterAccount(ctx, cfg, b); err == nil ||
		!strings.Contains(err.Error(), "inbound.postmaster") {
		t.Errorf("unknown postmaster account: err = %v, want one naming the key", err)
	}
}

// TestEndToEndPostmaster runs the server binary with one account and no
// postmaster address: mail to postmaster at the local domain and to the
// bare "<Postmaster>" is accepted (RFC 5321, section 4.5.1) and filed in
// that account.
func TestEndToEndPostmaster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	bin := buildServer(t)
	p := startServer(t, bin, map[string]string{"dan@example.test": "dan-secret"}, false)
	for _, to := range []string{"PostMaster@example.test", "postmaster"} {
		sendPlain(t, p.smtp, "amy@elsewhere.test", to,
			"From: amy@elsewhere.test\r\nSubject: to "+to+"\r\n\r\nbody\r\n")
	}
	p.stop(t)

	ctx := context.Background()
	cfg := defaultConfig()
	cfg.DataDir = p.data
	b, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	box, err := b.mail.MailboxByName(ctx, "dan@example.test", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := b.mail.List(ctx, "dan@example.test", box.ID)
	if err != nil || len(entries) != 2 {
		t.Fatalf("dan's inbox has %d messages (%v), want 2", len(entries), err)
	}
}
