package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bulwarkmail/bulwark/jmap"
	"github.com/bulwarkmail/bulwark/queue"
)

// jmapService serves JMAP (RFC 8620, 8621) at /.well-known/jmap and
// /jmap/ on the HTTP listener. HTTP Basic authentication over plain HTTP
// is accepted only on a loopback listener or with auth.allow_plaintext.
func jmapService(cfg Config, b *backend, q *queue.Queue, log *slog.Logger) (service, error) {
	h, err := jmap.New(jmap.Options{
		Store:          b.mail,
		KV:             b.kv,
		Blobs:          b.blobs,
		Directory:      b.dir,
		Submitter:      submitter{q},
		Sieve:          b.sieve,
		AllowPlainAuth: cfg.Auth.AllowPlaintext || isLoopback(cfg.Listen.HTTP),
		Logger:         log.With("service", "jmap"),
	})
	if err != nil {
		return service{}, fmt.Errorf("jmap: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serve := func(l net.Listener) error {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	shutdown := func(ctx context.Context) error {
		return errors.Join(h.Shutdown(ctx), srv.Shutdown(ctx))
	}
	return service{"http", cfg.Listen.HTTP, serve, shutdown}, nil
}

// isLoopback reports whether addr listens on a loopback address only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() || host == "localhost"
}
