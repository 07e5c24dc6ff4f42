package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/bulwarkmail/bulwark/imap"
	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/sieve"
	"github.com/bulwarkmail/bulwark/sieve/managesieve"
	"github.com/bulwarkmail/bulwark/smtp"
)

// service is one protocol server on one listener.
type service struct {
	name     string
	addr     string
	serve    func(net.Listener) error
	shutdown func(context.Context) error
}

// serve runs every configured service until ctx is cancelled, then drains
// them.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	tlsConfig, err := loadTLS(cfg, cfg.DataDir)
	if err != nil {
		return err
	}
	if cfg.Inbound.Postmaster, err = postmasterAccount(ctx, cfg, b); err != nil {
		return err
	}
	res := newResolver(cfg.DNS)
	q, err := newQueue(ctx, cfg, b, res, log)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := q.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "service", "queue", "err", err)
		}
	}()
	stopJunkWatcher, err := startJunkWatcher(ctx, cfg.Spam, b, log.With("service", "spamfilter"))
	if err != nil {
		return err
	}
	defer stopJunkWatcher()
	stopPprof, err := startPprof(cfg.Debug.Pprof, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	services, err := buildServices(cfg, b, tlsConfig, res, q, log)
	if err != nil {
		return err
	}
	return runServices(ctx, services, log)
}

func buildServices(cfg Config, b *backend, tc *tls.Config, res mailauth.Resolver,
	q *queue.Queue, log *slog.Logger) ([]service, error) {
	var out []service
	// Each account's active Sieve script files what arrives for it.
	route := &smtp.SieveRoute{
		Store:    b.mail,
		Scripts:  b.sieve,
		Tracker:  sieve.NewTracker(b.kv, sieve.TrackerOptions{}),
		Outgoing: q,
		Hostname: cfg.Hostname,
		Logger:   log.With("service", "sieve"),
	}
	var inboundHooks smtp.Hooks
	spam, spamErr := newSpamFilter(cfg.Spam, b.kv, res, log.With("service", "spamfilter"))
	if spamErr != nil {
		return nil, spamErr
	}
	if spam != nil {
		// Inside the authentication check, so that it sees the results.
		sc := &spamCheck{f: spam, greylist: cfg.Spam.Greylist, log: log.With("service", "smtp")}
		inboundHooks = sc.hooks(inboundHooks)
	}
	if cfg.Inbound.CheckAuth {
		check := &smtp.AuthCheck{
			Verifier: &mailauth.Verifier{
				Resolver: res,
				Hostname: cfg.Hostname,
				Logger:   log.With("service", "mailauth"),
			},
			RejectSPFFail:     cfg.Inbound.RejectSPFFail,
			AcceptDMARCReject: cfg.Inbound.AcceptDMARCReject,
			Logger:            log.With("service", "smtp"),
		}
		inboundHooks = check.Hooks(inboundHooks)
	}
	smtpSvc := func(name, addr string, mode smtp.Mode, implicit bool) error {
		if addr == "" {
			return nil
		}
		var hooks smtp.Hooks
		if mode == smtp.ModeInbound {
			hooks = inboundHooks
		}
		srv, err := smtp.New(smtp.Options{
			Hooks:               hooks,
			Hostname:            cfg.Hostname,
			Mode:                mode,
			TLSConfig:           tc,
			ImplicitTLS:         implicit,
			AllowInsecureAuth:   cfg.Auth.AllowPlaintext,
			Directory:           b.dir,
			Delivery:            &smtp.StoreDelivery{Store: b.mail, Route: route.Route, Logger: log},
			Relay:               q,
			Postmaster:          cfg.Inbound.Postmaster,
			MaxMessageSize:      cfg.Limits.MaxMessageSize,
			MaxRecipients:       cfg.Limits.MaxRecipients,
			MaxConnectionsPerIP: cfg.Limits.MaxConnectionsPerIP,
			MaxTextLineLength:   cfg.Limits.MaxLineLength,
			Logger:              log.With("service", name),
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, service{name, addr, srv.Serve, srv.Shutdown})
		return nil
	}
	imapSvc := func(name, addr string, implicit bool) error {
		if addr == "" {
			return nil
		}
		srv, err := imap.New(imap.Options{
			Store:             b.mail,
			Directory:         b.dir,
			TLSConfig:         tc,
			ImplicitTLS:       implicit,
			AllowInsecureAuth: cfg.Auth.AllowPlaintext,
			Hostname:          cfg.Hostname,
			MaxConnsPerIP:     cfg.Limits.MaxConnectionsPerIP,
			DisableCompress:   !cfg.IMAP.Compress,
			Logger:            log.With("service", name),
		})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, service{name, addr, srv.Serve, srv.Shutdown})
		return nil
	}
	if addr := cfg.Listen.ManageSieve; addr != "" {
		srv, err := managesieve.New(managesieve.Options{
			Storage:           b.sieve,
			Directory:         b.dir,
			TLSConfig:         tc,
			AllowInsecureAuth: cfg.Auth.AllowPlaintext,
			Logger:            log.With("service", "managesieve"),
		})
		if err != nil {
			return nil, fmt.Errorf("managesieve: %w", err)
		}
		out = append(out, service{"managesieve", addr, srv.Serve, srv.Shutdown})
	}
	if addr := cfg.Listen.HTTP; addr != "" {
		svc, err := jmapService(cfg, b, q, log)
		if err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	l := cfg.Listen
	err := errors.Join(
		smtpSvc("smtp", l.SMTP, smtp.ModeInbound, false),
		smtpSvc("submission", l.Submission, smtp.ModeSubmission, false),
		smtpSvc("submissions", l.SubmissionTLS, smtp.ModeSubmission, true),
		imapSvc("imap", l.IMAP, false),
		imapSvc("imaps", l.IMAPTLS, true),
	)
	return out, err
}

// runServices listens on every address first (so a port in use stops the
// start before anything serves), serves until ctx ends, then shuts each
// service down within shutdownGrace.
func runServices(ctx context.Context, services []service, log *slog.Logger) error {
	listeners := make([]net.Listener, len(services))
	for i, s := range services {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, prev := range listeners[:i] {
				prev.Close()
			}
			return fmt.Errorf("listen %s on %s: %w", s.name, s.addr, err)
		}
		listeners[i] = l
	}
	errc := make(chan error, len(services))
	var wg sync.WaitGroup
	for i, s := range services {
		log.Info("listening", "service", s.name, "addr", listeners[i].Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.serve(listeners[i]); err != nil {
				errc <- fmt.Errorf("%s: %w", s.name, err)
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, s := range services {
		if err := s.shutdown(sctx); err != nil {
			log.Warn("shutdown", "service", s.name, "err", err)
		}
	}
	wg.Wait()
	log.Info("stopped")
	return runErr
}
