package smtp_test

import (
	"context"
	"log"
	"net"

	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/smtp"
	"github.com/bulwarkmail/bulwark/store/memory"
)

// An inbound MTA that files mail for the directory's domains in a mail
// store. Submission differs by Mode, a TLSConfig and a Relay.
func Example() {
	ctx := context.Background()
	dir, err := local.New(ctx, memory.New(), local.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ms, err := mailstore.New(ctx, mailstore.Options{KV: memory.New(), Blobs: memory.NewBlobs()})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := smtp.New(smtp.Options{
		Hostname:  "mx.example.org",
		Directory: dir,
		Delivery:  &smtp.StoreDelivery{Store: ms},
	})
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(ctx)
}
