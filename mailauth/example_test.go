package mailauth_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
	"github.com/foxcpp/go-mockdns"
)

// Example shows a submission server signing a message and the receiving
// server checking it: SPF at MAIL FROM, then DKIM and DMARC after DATA.
func Example() {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	dns := &mockdns.Resolver{Zones: map[string]mockdns.Zone{
		"example.org.":               {TXT: []string{"v=spf1 ip4:192.0.2.0/24 -all"}},
		"ed._domainkey.example.org.": {TXT: []string{"v=DKIM1; k=ed25519; p=" + pub}},
		"_dmarc.example.org.":        {TXT: []string{"v=DMARC1; p=reject"}},
	}}
	now := func() time.Time { return time.Unix(1796000000, 0) }
	msg := "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n" +
		"Subject: hello\r\n\r\nHi Bob.\r\n"

	signer := &mailauth.Signer{Domain: "example.org", Selector: "ed", Key: key, Now: now}
	field, err := signer.Sign(strings.NewReader(msg))
	if err != nil {
		fmt.Println(err)
		return
	}
	signed := field + msg

	ctx := context.Background()
	v := &mailauth.Verifier{Resolver: mailauth.NewCache(dns, mailauth.CacheOptions{}),
		Hostname: "mx.example.net", Now: now}
	spf := v.CheckSPF(ctx, netip.MustParseAddr("192.0.2.25"), "mail.example.org",
		"alice@example.org")
	clean, _, err := mailauth.StripForged(strings.NewReader(signed), v.Hostname, 1<<20)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := v.Verify(ctx, clean, spf)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.WriteString(strings.ReplaceAll(v.AuthenticationResults(res), "\r\n", "\n"))
	fmt.Println("disposition:", res.DMARC.Disposition)
	// Output:
	// Authentication-Results: mx.example.net;
	// 	spf=pass smtp.mailfrom=alice@example.org;
	// 	dkim=pass header.d=example.org header.s=ed header.b=gC07+u4W;
	// 	dmarc=pass policy.dmarc=reject header.from=example.org
	// disposition: none
}
