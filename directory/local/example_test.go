package local_test

import (
	"context"
	"fmt"

	"github.com/bulwarkmail/bulwark/directory"
	"github.com/bulwarkmail/bulwark/directory/local"
	"github.com/bulwarkmail/bulwark/store/memory"
)

func Example() {
	ctx := context.Background()
	d, err := local.New(ctx, memory.New(), local.Options{})
	if err != nil {
		panic(err)
	}
	_ = d.AddDomain(ctx, "example.org")
	_ = d.CreatePrincipal(ctx, directory.Principal{Name: "alice@example.org",
		Emails: []string{"alice@example.org", "a.liddell@example.org"}}, "s3cret")

	p, err := d.Authenticate(ctx, directory.Credentials{Username: "alice@example.org",
		Password: "s3cret"})
	fmt.Println(p.Name, err)

	r, _ := d.Resolve(ctx, "A.Liddell+lists@Example.ORG")
	fmt.Println(r.Accounts, r.Tag, r.Local)
	// Output:
	// alice@example.org <nil>
	// [alice@example.org] lists true
}
