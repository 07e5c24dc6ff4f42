// Command server is Bulwark's all-in-one mail server: SMTP (inbound and
// submission), IMAP, ManageSieve and JMAP over one store.
//
// Usage:
//
//	server [-config FILE] [-data DIR]                  serve until SIGINT/SIGTERM
//	server [-data DIR] account add ADDRESS PASSWORD     create an account (and its domain)
//	server [-data DIR] account list
//	server [-data DIR] export DIR                       write the whole server to DIR
//	server [-data DIR] import DIR                       read it back into an empty store
//	server [-data DIR] migrate [-dry-run]               upgrade the stored layout in place
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `usage:
  server [-config FILE] [-data DIR]                  serve until SIGINT/SIGTERM
  server [-data DIR] account add ADDRESS PASSWORD     create an account (and its domain)
  server [-data DIR] account list
  server [-data DIR] export DIR                       write the whole server to DIR
  server [-data DIR] import DIR                       read it back into an empty store
  server [-data DIR] migrate [-dry-run]               upgrade the stored layout in place
`

// run parses args and carries out one command; it returns when the
// command is done or, for serving, when ctx is cancelled and the
// listeners have drained.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "", "TOML configuration file")
	dataDir := fs.String("data", "", "data folder (default ./data, or data_dir of the config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	boot := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := loadConfig(*configPath, boot)
	if err != nil {
		return err
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	level, _ := parseLevel(cfg.Logging.Level)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	rest := fs.Args()
	if len(rest) == 0 {
		return serve(ctx, cfg, log)
	}
	switch rest[0] {
	case "account":
		return accountCommand(ctx, cfg, rest[1:], stdout)
	case "export", "import":
		if len(rest) != 2 {
			break
		}
		if rest[0] == "export" {
			return exportCommand(ctx, cfg, rest[1], stdout, log)
		}
		return importCommand(ctx, cfg, rest[1], stdout, log)
	case "migrate":
		return migrateCommand(ctx, cfg, rest[1:], stdout, log)
	}
	fmt.Fprint(stderr, usage)
	return errUsage
}
