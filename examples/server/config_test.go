package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, text, key string
	}{
		{"unknown top-level", `hostnam = "x"`, "hostnam"},
		{"unknown nested", "[listen]\nsmpt = \"127.0.0.1:25\"", "listen.smpt"},
		{"bad address", "[listen]\nimap = \"nope\"", "listen.imap"},
		{"bad store kind", "[store]\nkind = \"redis\"", "store.kind"},
		{"dsn missing", "[store]\nkind = \"postgres\"", "store.dsn"},
		{"bad level", "[logging]\nlevel = \"loud\"", "logging.level"},
		{"bad size", "[limits]\nmax_message_size = -1", "limits.max_message_size"},
		{"wrong type", "[limits]\nmax_recipients = \"many\"", "max_recipients"},
		{"half tls", "[tls]\ncert = \"a.pem\"", "tls.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, tt.text), slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("loadConfig(%q) = %v, want an error naming %q", tt.text, err, tt.key)
			}
		})
	}
}

func TestLoadConfigRenamedKeyWarns(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg, err := loadConfig(writeConfig(t, "[listen]\nimap_tls = \"127.0.0.1:9993\""), log)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen.IMAPTLS != "127.0.0.1:9993" {
		t.Errorf("listen.imaps = %q, want the value of the old key", cfg.Listen.IMAPTLS)
	}
	if !strings.Contains(logs.String(), "listen.imaps") {
		t.Errorf("warning %q does not name the new key", logs.String())
	}
}

func TestLoadConfigRenamedAndNewKeyConflict(t *testing.T) {
	text := "[listen]\nimap_tls = \"127.0.0.1:1\"\nimaps = \"127.0.0.1:2\""
	if _, err := loadConfig(writeConfig(t, text), slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("loadConfig accepted both spellings of one key")
	}
}

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := loadConfig("config.example.toml", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	def := defaultConfig()
	if !reflect.DeepEqual(cfg.Listen, def.Listen) || cfg.Store != def.Store || cfg.Limits != def.Limits {
		t.Errorf("example config differs from the defaults: %+v", cfg)
	}
}

func TestDefaultListenersMatchArchitecture(t *testing.T) {
	l := defaultConfig().Listen
	pairs := [][2]string{
		{l.SMTP, "127.0.0.1:2525"}, {l.Submission, "127.0.0.1:5587"},
		{l.SubmissionTLS, "127.0.0.1:4465"}, {l.IMAP, "127.0.0.1:1143"},
		{l.IMAPTLS, "127.0.0.1:1993"}, {l.HTTP, "127.0.0.1:8080"},
		{l.ManageSieve, "127.0.0.1:4190"},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("default listener %q, want %q", p[0], p[1])
		}
	}
}

func TestDefaultsCheckSenderAuthentication(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "[inbound]\nreject_spf_fail = true"),
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Inbound.CheckAuth || !cfg.Inbound.RejectSPFFail {
		t.Errorf("inbound = %+v, want check_auth on by default", cfg.Inbound)
	}
	if !defaultConfig().Inbound.CheckAuth {
		t.Error("check_auth is off by default")
	}
}
