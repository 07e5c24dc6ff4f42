package mailstore_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailstore"
	"github.com/bulwarkmail/bulwark/store/memory"
)

func Example() {
	ctx := context.Background()
	s, err := mailstore.New(ctx, mailstore.Options{KV: memory.New(), Blobs: memory.NewBlobs()})
	if err != nil {
		panic(err)
	}
	if err := s.CreateAccount(ctx, "alice@example.org"); err != nil {
		panic(err)
	}
	raw := "From: bob@example.org\r\nSubject: Lunch?\r\n\r\nShall we meet at noon?\r\n"
	ds, err := s.Deliver(ctx, strings.NewReader(raw), time.Time{},
		[]mailstore.Recipient{{Account: "alice@example.org"}})
	if err != nil || ds[0].Err != nil {
		panic(fmt.Sprint(err, ds))
	}
	res, err := s.Query(ctx, "alice@example.org", mailstore.Query{
		Mailbox: ds[0].Mailbox,
		Filter:  &mailstore.Filter{Body: "NOON"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Total, res.UIDs)
	// Output: 1 [1]
}
