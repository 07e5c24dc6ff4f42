package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp/client"
)

// newQueue opens the outbound queue on the backend's store: remote mail
// goes to the recipients' MX hosts or the configured relay, local mail
// (such as delivery status notifications) into the mail store, and mail
// from a domain with a DKIM key is signed as it is queued.
func newQueue(ctx context.Context, cfg Config, b *backend, res mailauth.Resolver,
	log *slog.Logger) (*queue.Queue, error) {
	sign, err := dkimSigner(cfg.DKIM)
	if err != nil {
		return nil, err
	}
	opts := client.Options{Hostname: cfg.Hostname, Resolver: res,
		Logger: log.With("service", "delivery")}
	if r := cfg.Relay; r.Host != "" {
		opts.DefaultRelay = &client.Relay{Host: r.Host, ImplicitTLS: r.ImplicitTLS,
			Username: r.Username, Password: r.Password}
	}
	local := &queue.MailstoreDelivery{Store: b.mail, Directory: b.dir,
		Postmaster: cfg.Inbound.Postmaster}
	q, err := queue.New(ctx, queue.Options{
		KV:        b.kv,
		Blobs:     b.blobs,
		Transport: client.New(opts),
		Local:     local,
		Sign:      sign,
		Hostname:  cfg.Hostname,
		Logger:    log.With("service", "queue"),
	})
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	return q, nil
}

// dkimSigner returns the signing function for the configured keys, nil
// when there are none.
func dkimSigner(cfg DKIMConfig) (queue.SignFunc, error) {
	if len(cfg.Keys) == 0 {
		return nil, nil
	}
	byDomain := map[string][]*mailauth.Signer{}
	for _, k := range cfg.Keys {
		key, err := readPrivateKey(k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("dkim key for %s: %w", k.Domain, err)
		}
		d := strings.ToLower(k.Domain)
		byDomain[d] = append(byDomain[d], &mailauth.Signer{
			Domain: d, Selector: k.Selector, Key: key, OverSign: true,
		})
	}
	return queue.DKIMSigner(byDomain), nil
}

func readPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block in " + path)
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse key %s: %w", path, err)
	}
	return k, nil
}

// submitter hands JMAP EmailSubmission messages to the queue.
type submitter struct{ q *queue.Queue }

func (s submitter) Submit(ctx context.Context, from string, rcpts []string, r io.Reader) error {
	return s.q.Enqueue(ctx, from, rcpts, r)
}
