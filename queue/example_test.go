package queue_test

import (
	"context"
	"log"
	"strings"

	"github.com/bulwarkmail/bulwark/queue"
	"github.com/bulwarkmail/bulwark/smtp/client"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// A queue that sends through a smarthost. A host passes it to the SMTP
// server as smtp.Options.Relay, and to mail-producing code (Sieve
// redirect, vacation replies) through Submit.
func Example() {
	ctx := context.Background()
	q, err := queue.New(ctx, queue.Options{
		KV:       memory.New(),
		Blobs:    memory.NewBlobs(),
		Hostname: "mx.example.org",
		Transport: client.New(client.Options{
			Hostname: "mx.example.org",
			DefaultRelay: &client.Relay{Host: "smtp.provider.example:465",
				ImplicitTLS: true, Username: "user", Password: "secret"},
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer q.Shutdown(ctx)
	_, err = q.Submit(ctx, queue.Envelope{From: "alice@example.org",
		Recipients: []queue.RecipientSpec{{Address: "bob@example.net"}}},
		strings.NewReader("From: alice@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"))
	if err != nil {
		log.Fatal(err)
	}
}
