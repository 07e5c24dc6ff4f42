package mailtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/directory/password"
	"github.com/bulwarkmail/bulwark/imap"
	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// Hostname is the name the servers greet with and the authserv-id of
// the Authentication-Results fields they write.
const Hostname = "mx.mailtest.test"

// shutdownGrace bounds the shutdown of each listener when the test ends.
const shutdownGrace = 5 * time.Second

// Server is an in-process mail server for one test. Its methods are safe
// for concurrent use.
type Server struct {
	kv    *memory.KV
	blobs *memory.Blobs
	store *mailstore.Store
	dir   *local.Directory
	dns   *DNS
	tls   *tlsPair

	smtpAddr, submissionAddr, imapAddr string
	submissionsAddr, imapsAddr         string

	inbox    *mailbox // arrivals per account
	outbound *mailbox // mail for remote domains, under outboundKey
	fails    *failures

	queue    *queue.Queue // under Options.Queue
	clock    *Clock
	attempts *attemptLog
	mtasts   *client.MTASTS // the queue's policy cache

	remote remotes
	policy policyHosts

	log       *slog.Logger
	mu        sync.Mutex // guards stops
	stops     []func(context.Context) error
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Options configures Start. The zero value is a server without TLS that
// logs nothing.
type Options struct {
	// TLS adds a throwaway certificate for 127.0.0.1 and localhost:
	// STARTTLS on the SMTP, submission and IMAP ports, and two implicit
	// TLS ports (SubmissionsAddr, IMAPSAddr). ClientTLSConfig trusts it.
	TLS bool
	// Queue, when set, sends mail for remote domains through package
	// queue to the RemoteMX hosts instead of only recording it: retries,
	// expiry and delivery status notifications on the time of a Clock.
	// Outbound records such mail in both cases.
	Queue *QueueOptions
	// Logger receives the servers' events. Nil discards.
	Logger *slog.Logger
}

// NewServer starts a server on random 127.0.0.1 ports: SMTP (no AUTH),
// submission (AUTH allowed without TLS) and IMAP (LOGIN allowed without
// TLS), all without TLS. The test's Cleanup closes it. A setup failure
// ends the test with t.Fatal.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return newServer(t, Options{})
}

// NewServerTLS is NewServer with Options.TLS set: a throwaway
// certificate that ClientTLSConfig trusts.
func NewServerTLS(t testing.TB) *Server {
	t.Helper()
	return newServer(t, Options{TLS: true})
}

// NewServerWith is NewServer with options, such as Options.Queue.
func NewServerWith(t testing.TB, opts Options) *Server {
	t.Helper()
	return newServer(t, opts)
}

func newServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test, for examples and test mains;
// the caller must Close it.
func Start(opts Options) (*Server, error) {
	s := &Server{dns: newDNS(), inbox: newMailbox(), outbound: newMailbox(),
		fails: newFailures(), log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.TLS {
		pair, err := newTLSPair(net.IPv4(127, 0, 0, 1), "localhost", Hostname)
		if err != nil {
			return nil, fmt.Errorf("start: make certificate: %w", err)
		}
		s.tls = pair
	}
	if err := s.open(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if opts.Queue != nil {
		if err := s.startQueue(opts.Queue); err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
	}
	if err := s.listen(); err != nil {
		s.Close()
		return nil, fmt.Errorf("start: %w", err)
	}
	return s, nil
}

// open creates the store and the directory.
func (s *Server) open() error {
	ctx := context.Background()
	var err error
	s.kv, s.blobs = memory.New(), memory.NewBlobs()
	s.store, err = mailstore.New(ctx, mailstore.Options{KV: s.kv, Blobs: s.blobs,
		Logger: s.log})
	if err != nil {
		return err
	}
	// Cheap hashing: the accounts live for one test.
	s.dir, err = local.New(ctx, memory.New(), local.Options{Directory: directory.Options{
		Logger: s.log,
		Passwords: password.Options{Argon2: password.Argon2Params{Time: 1, Memory: 64,
			Threads: 1}},
	}})
	return err
}

// listen starts every service on its own loopback listener.
func (s *Server) listen() error {
	var serverTLS *tls.Config
	if s.tls != nil {
		serverTLS = s.tls.server
	}
	check := &smtp.AuthCheck{
		Verifier: &mailauth.Verifier{Resolver: s.dns, Hostname: Hostname, Logger: s.log},
		Logger:   s.log,
		// The test asserts on the DMARC result: keep the message.
		AcceptDMARCReject: true,
	}
	rec := &recorder{box: s.outbound}
	var relay smtp.Relay = rec
	if s.queue != nil {
		rec.next = s.queue
		relay = &queueRelay{recorder: rec, q: s.queue}
	}
	delivery := &capture{inner: &smtp.StoreDelivery{Store: s.store, Relay: relay,
		Logger: s.log},
		box: s.inbox}
	base := smtp.Options{
		Hostname:  Hostname,
		Directory: s.dir,
		Delivery:  delivery,
		Relay:     relay,
		TLSConfig: serverTLS,
		Resolver:  s.dns,
		// Applications under test send from loopback: their mail for
		// remote domains is captured, as a smarthost would take it.
		RelayNetworks:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxConnectionsPerIP: -1,
		Logger:              s.log,
	}
	inbound := base
	inbound.Hooks = check.Hooks(smtp.Hooks{Rcpt: s.fails.rcpt})
	submission := base
	submission.Mode = smtp.ModeSubmission
	submission.AllowInsecureAuth = true
	submission.RelayNetworks = nil
	submission.Hooks = smtp.Hooks{Rcpt: s.fails.rcpt}
	var err error
	s.smtpAddr, err = s.serveSMTP(inbound)
	if err == nil {
		s.submissionAddr, err = s.serveSMTP(submission)
	}
	if err == nil {
		s.imapAddr, err = s.serveIMAP(serverTLS, false)
	}
	if err == nil && s.tls != nil {
		submission.ImplicitTLS = true
		s.submissionsAddr, err = s.serveSMTP(submission)
		if err == nil {
			s.imapsAddr, err = s.serveIMAP(serverTLS, true)
		}
	}
	return err
}

func (s *Server) serveSMTP(o smtp.Options) (string, error) {
	srv, err := smtp.New(o)
	if err != nil {
		return "", err
	}
	return s.serve("127.0.0.1:0", srv.Serve, srv.Shutdown)
}

func (s *Server) serveIMAP(tc *tls.Config, implicit bool) (string, error) {
	srv, err := imap.New(imap.Options{Store: s.store, Directory: s.dir, TLSConfig: tc,
		ImplicitTLS: implicit, AllowInsecureAuth: true, Hostname: Hostname,
		MaxConnsPerIP: 1 << 16, Logger: s.log})
	if err != nil {
		return "", err
	}
	return s.serve("127.0.0.1:0", srv.Serve, srv.Shutdown)
}

// serve runs one service on a new listener at addr.
func (s *Server) serve(addr string, serve func(net.Listener) error,
	shutdown func(context.Context) error) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.stops = append(s.stops, shutdown)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) &&
			!errors.Is(err, imap.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("mailtest serve", "err", err)
		}
	}()
	return l.Addr().String(), nil
}

// Close stops every service, closing their connections, and waits for
// them. Later calls do nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if s.queue != nil {
			if err := s.queue.Shutdown(ctx); err != nil {
				s.log.Warn("mailtest queue shutdown", "err", err)
			}
		}
		s.mu.Lock()
		stops := s.stops
		s.mu.Unlock()
		for _, stop := range stops {
			if err := stop(ctx); err != nil {
				s.log.Warn("mailtest shutdown", "err", err)
			}
		}
		s.wg.Wait()
	})
}

// AddAccount creates an account whose login and first address is
// address, with more addresses in aliases, makes their domains local and
// creates the account's mailboxes. Mail for these addresses is then
// stored instead of captured as outbound.
func (s *Server) AddAccount(address, password string, aliases ...string) error {
	ctx := context.Background()
	emails := append([]string{address}, aliases...)
	for _, e := range emails {
		_, domain, ok := strings.Cut(e, "@")
		if !ok || domain == "" {
			return errors.New("mailtest: add account: " + e + " is not an address")
		}
		if err := s.dir.AddDomain(ctx, domain); err != nil {
			return fmt.Errorf("mailtest: add account %s: %w", address, err)
		}
	}
	p := directory.Principal{Name: address, Type: directory.Individual,
		Emails: emails, Roles: []string{directory.RoleUser}}
	if err := s.dir.CreatePrincipal(ctx, p, password); err != nil {
		return fmt.Errorf("mailtest: add account %s: %w", address, err)
	}
	if err := s.store.CreateAccount(ctx, accountName(address)); err != nil {
		return fmt.Errorf("mailtest: add account %s: %w", address, err)
	}
	return nil
}

// accountName is the account an address names: directory names are
// stored in lower case.
func accountName(address string) string { return strings.ToLower(strings.TrimSpace(address)) }

// SMTPAddr is the host:port of the SMTP server: no AUTH, mail from
// loopback to domains without accounts is captured (Outbound).
func (s *Server) SMTPAddr() string { return s.smtpAddr }

// SubmissionAddr is the host:port of the submission server (RFC 6409):
// AUTH PLAIN or LOGIN with an account's password, allowed without TLS.
func (s *Server) SubmissionAddr() string { return s.submissionAddr }

// IMAPAddr is the host:port of the IMAP server; LOGIN is allowed without
// TLS.
func (s *Server) IMAPAddr() string { return s.imapAddr }

// SubmissionsAddr is the implicit TLS submission port (RFC 8314) of a
// server made by NewServerTLS; "" otherwise.
func (s *Server) SubmissionsAddr() string { return s.submissionsAddr }

// IMAPSAddr is the implicit TLS IMAP port of a server made by
// NewServerTLS; "" otherwise.
func (s *Server) IMAPSAddr() string { return s.imapsAddr }

// ClientTLSConfig returns a client configuration that trusts the
// server's certificate, with ServerName "localhost"; nil for a server
// made by NewServer.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.tls == nil {
		return nil
	}
	return s.tls.client.Clone()
}

// DNS is the fake resolver the server's sender authentication reads.
func (s *Server) DNS() *DNS { return s.dns }

// Store is the mail store behind the servers, for assertions the other
// methods do not cover.
func (s *Server) Store() *mailstore.Store { return s.store }
