package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the server's configuration file, in TOML. Every key is
// optional; the zero file gives the defaults of ARCHITECTURE.md.
type Config struct {
	// Hostname is the name the server announces in greetings and trace
	// headers. Default: the machine's host name.
	Hostname string `toml:"hostname"`

	// DataDir holds the store, blobs and generated certificate. The -data
	// flag overrides it. Default: ./data.
	DataDir string `toml:"data_dir"`

	Listen  ListenConfig  `toml:"listen"`
	TLS     TLSConfig     `toml:"tls"`
	Store   StoreConfig   `toml:"store"`
	Limits  LimitsConfig  `toml:"limits"`
	Auth    AuthConfig    `toml:"auth"`
	DNS     DNSConfig     `toml:"dns"`
	Relay   RelayConfig   `toml:"relay"`
	DKIM    DKIMConfig    `toml:"dkim"`
	Inbound InboundConfig `toml:"inbound"`
	Spam    SpamConfig    `toml:"spam"`
	IMAP    IMAPConfig    `toml:"imap"`
	Logging LoggingConfig `toml:"logging"`
	Debug   DebugConfig   `toml:"debug"`
}

// IMAPConfig tunes the IMAP server.
type IMAPConfig struct {
	// Compress offers COMPRESS=DEFLATE (RFC 4978): less traffic on slow
	// links, more CPU on both ends. Default true.
	Compress bool `toml:"compress"`
}

// ListenConfig sets the listener addresses. An empty string disables a
// listener.
type ListenConfig struct {
	SMTP             string   `toml:"smtp"`
	Submission       string   `toml:"submission"`
	SubmissionTLS    string   `toml:"submissions"`
	IMAP             string   `toml:"imap"`
	IMAPTLS          string   `toml:"imaps"`
	HTTP             string   `toml:"http"`
	ManageSieve      string   `toml:"managesieve"`
	TrustedProxyNets []string `toml:"trusted_proxies"`
}

// TLSConfig names a certificate and key in PEM files. Without them the
// server makes a self-signed certificate in the data folder.
type TLSConfig struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// StoreConfig selects where data lives.
type StoreConfig struct {
	// Kind is "bolt" (default), "postgres", "mysql" or "sqlite".
	Kind string `toml:"kind"`
	// Path is the bbolt file. Default: DATA/bulwark.db.
	Path string `toml:"path"`
	// DSN is the SQL data source name for the SQL kinds.
	DSN string `toml:"dsn"`
	// Blobs is the folder of message blobs. Default: DATA/blobs.
	Blobs string `toml:"blobs"`
	// Compress stores blobs compressed with zstd.
	Compress bool `toml:"compress"`
	// AutoMigrate upgrades a store written by an earlier release when the
	// server starts, as the migrate command would; without it the server
	// refuses to start on such a store.
	AutoMigrate bool `toml:"auto_migrate"`
}

// LimitsConfig bounds what clients can push.
type LimitsConfig struct {
	// MaxMessageSize in bytes. Default: 50 MiB.
	MaxMessageSize int64 `toml:"max_message_size"`
	// MaxRecipients per message. Default: 100 (RFC 5321 section 4.5.3.1.8).
	MaxRecipients int `toml:"max_recipients"`
	// MaxConnectionsPerIP across each listener. Default: 50.
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// MaxLineLength bounds a line of a message received over SMTP, CRLF
	// included. RFC 5321 (section 4.5.3.1.6) sets 1000 as the least a
	// server accepts and asks for no limit where possible; real mail
	// carries longer lines. Default: 65536.
	MaxLineLength int `toml:"max_line_length"`
}

// AuthConfig sets authentication policy.
type AuthConfig struct {
	// AllowPlaintext permits LOGIN and AUTH without TLS. Use only on
	// loopback test set-ups.
	AllowPlaintext bool `toml:"allow_plaintext"`
}

// DNSConfig chooses the resolver of SPF, DKIM and DMARC lookups.
type DNSConfig struct {
	// Servers are "host:port" addresses of recursive resolvers, asked in
	// order. Default: the system's resolver.
	Servers []string `toml:"servers"`
}

// RelayConfig names a smarthost that takes all outbound mail instead of
// the recipients' MX hosts.
type RelayConfig struct {
	// Host is "host:port"; empty sends to each domain's MX hosts.
	Host string `toml:"host"`
	// ImplicitTLS connects with TLS at once (port 465 style); otherwise
	// STARTTLS is used when offered.
	ImplicitTLS bool `toml:"implicit_tls"`
	// Username and Password authenticate to the relay (over TLS only).
	Username string `toml:"username"`
	Password string `toml:"password"`
}

// DKIMConfig lists the keys outgoing mail is signed with.
type DKIMConfig struct {
	Keys []DKIMKey `toml:"keys"`
}

// DKIMKey signs mail from one domain (RFC 6376).
type DKIMKey struct {
	// Domain is the signing domain (d=), Selector the selector (s=).
	Domain   string `toml:"domain"`
	Selector string `toml:"selector"`
	// PrivateKey is a PEM file holding an RSA or Ed25519 key (PKCS #8,
	// or PKCS #1 for RSA).
	PrivateKey string `toml:"private_key"`
}

// InboundConfig sets the sender authentication policy of the inbound
// SMTP listener.
type InboundConfig struct {
	// CheckAuth runs SPF, DKIM, ARC and DMARC and writes
	// Authentication-Results. Default true.
	CheckAuth bool `toml:"check_auth"`
	// RejectSPFFail refuses MAIL FROM when SPF fails. Default false.
	RejectSPFFail bool `toml:"reject_spf_fail"`
	// AcceptDMARCReject files mail that fails a p=reject policy in Junk
	// instead of refusing it. Default false.
	AcceptDMARCReject bool `toml:"accept_dmarc_reject"`
	// Postmaster is the account that receives mail for postmaster at
	// every local domain without such an address (RFC 5321, section
	// 4.5.1). Default: the first administrator, else the first account,
	// by name.
	Postmaster string `toml:"postmaster"`
}

// SpamConfig sets the spam filter of the inbound SMTP listener (package
// spamfilter).
type SpamConfig struct {
	// Enable scores inbound mail and writes X-Spam-Status and
	// X-Spam-Score. Default true.
	Enable bool `toml:"enable"`
	// JunkThreshold files mail scoring at least this in Junk. Default 6.
	JunkThreshold float64 `toml:"junk_threshold"`
	// RejectThreshold refuses mail scoring at least this with "550
	// 5.7.1". Default 15.
	RejectThreshold float64 `toml:"reject_threshold"`
	// Bayes runs the Bayesian classifier once trained. Default true.
	Bayes bool `toml:"bayes"`
	// DNSBL lists IP blocklist zones (RFC 5782) such as
	// "zen.spamhaus.org"; URIBL domain blocklist zones. Default none.
	DNSBL []string `toml:"dnsbl"`
	URIBL []string `toml:"uribl"`
	// Greylist defers the first message of each client network, sender
	// and recipient (RFC 6647). Default false.
	Greylist bool `toml:"greylist"`
	// GreylistDelay is how long before a retry passes. Default "5m".
	GreylistDelay string `toml:"greylist_delay"`
}

// LoggingConfig sets the log level ("debug", "info", "warn", "error").
type LoggingConfig struct {
	Level string `toml:"level"`
}

// renamedKeys maps keys of earlier releases to their current spelling.
// An old file keeps working; each old key logs a warning naming the new one.
var renamedKeys = map[string]string{
	"listen.imap_tls":       "listen.imaps",
	"listen.submission_tls": "listen.submissions",
	"store.blob_dir":        "store.blobs",
}

func defaultConfig() Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return Config{
		Hostname: host,
		DataDir:  "data",
		Listen: ListenConfig{
			SMTP:          "127.0.0.1:2525",
			Submission:    "127.0.0.1:5587",
			SubmissionTLS: "127.0.0.1:4465",
			IMAP:          "127.0.0.1:1143",
			IMAPTLS:       "127.0.0.1:1993",
			HTTP:          "127.0.0.1:8080",
			ManageSieve:   "127.0.0.1:4190",
		},
		Store:   StoreConfig{Kind: "bolt"},
		Inbound: InboundConfig{CheckAuth: true},
		Spam:    SpamConfig{Enable: true, Bayes: true},
		IMAP:    IMAPConfig{Compress: true},
		Limits: LimitsConfig{MaxMessageSize: 50 << 20, MaxRecipients: 100,
			MaxConnectionsPerIP: 50, MaxLineLength: 65536},
		Logging: LoggingConfig{Level: "info"},
	}
}

// loadConfig reads path over the defaults. An unknown key or a bad value
// is an error that names the key.
func loadConfig(path string, log *slog.Logger) (Config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	var tree map[string]any
	if _, err := toml.Decode(string(raw), &tree); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := applyRenames(tree, log); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	var buf strings.Builder
	if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	md, err := toml.Decode(buf.String(), &cfg)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return cfg, fmt.Errorf("config %s: unknown key %q", path, undecoded[0].String())
	}
	if err := cfg.validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// applyRenames moves every renamed key of tree to its new spelling.
func applyRenames(tree map[string]any, log *slog.Logger) error {
	for old, cur := range renamedKeys {
		oldTable, oldKey := splitKey(old)
		tbl, ok := tree[oldTable].(map[string]any)
		if !ok {
			continue
		}
		v, ok := tbl[oldKey]
		if !ok {
			continue
		}
		log.Warn("config key renamed", "key", old, "new", cur)
		curTable, curKey := splitKey(cur)
		dst, ok := tree[curTable].(map[string]any)
		if !ok {
			dst = map[string]any{}
			tree[curTable] = dst
		}
		if _, dup := dst[curKey]; dup {
			return fmt.Errorf("both %q and its new spelling %q are set", old, cur)
		}
		dst[curKey] = v
		delete(tbl, oldKey)
	}
	return nil
}

func splitKey(k string) (table, key string) {
	table, key, _ = strings.Cut(k, ".")
	return table, key
}

func (c *Config) validate() error {
	addrs := map[string]string{
		"listen.smtp": c.Listen.SMTP, "listen.submission": c.Listen.Submission,
		"listen.submissions": c.Listen.SubmissionTLS, "listen.imap": c.Listen.IMAP,
		"listen.imaps": c.Listen.IMAPTLS, "listen.http": c.Listen.HTTP,
		"listen.managesieve": c.Listen.ManageSieve,
	}
	for key, a := range addrs {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("key %q: bad address %q: %w", key, a, err)
		}
	}
	for _, a := range c.DNS.Servers {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("key %q: bad address %q: %w", "dns.servers", a, err)
		}
	}
	if c.Relay.Host != "" {
		if _, _, err := net.SplitHostPort(c.Relay.Host); err != nil {
			return fmt.Errorf("key %q: bad address %q: %w", "relay.host", c.Relay.Host, err)
		}
	}
	for i, k := range c.DKIM.Keys {
		if k.Domain == "" || k.Selector == "" || k.PrivateKey == "" {
			return fmt.Errorf("key \"dkim.keys\" entry %d: domain, selector and private_key are required", i+1)
		}
	}
	for _, n := range c.Listen.TrustedProxyNets {
		if _, _, err := net.ParseCIDR(n); err != nil {
			return fmt.Errorf("key %q: bad network %q: %w", "listen.trusted_proxies", n, err)
		}
	}
	switch c.Store.Kind {
	case "bolt", "postgres", "mysql", "sqlite":
	default:
		return fmt.Errorf("key %q: unknown store kind %q", "store.kind", c.Store.Kind)
	}
	if c.Store.Kind != "bolt" && c.Store.DSN == "" {
		return fmt.Errorf("key %q: required for store kind %q", "store.dsn", c.Store.Kind)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New(`keys "tls.cert" and "tls.key" must be set together`)
	}
	if c.Limits.MaxMessageSize <= 0 {
		return fmt.Errorf("key %q: must be positive", "limits.max_message_size")
	}
	if c.Limits.MaxRecipients < 1 {
		return fmt.Errorf("key %q: must be at least 1", "limits.max_recipients")
	}
	if c.Limits.MaxLineLength < 1000 {
		return fmt.Errorf("key %q: must be at least 1000 (RFC 5321, section 4.5.3.1.6)",
			"limits.max_line_length")
	}
	if err := c.Spam.validate(); err != nil {
		return err
	}
	if _, err := parseLevel(c.Logging.Level); err != nil {
		return fmt.Errorf("key %q: %w", "logging.level", err)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("unknown level %q", s)
	}
	return l, nil
}

// shutdownGrace bounds how long connections may drain on a signal.
const shutdownGrace = 10 * time.Second
