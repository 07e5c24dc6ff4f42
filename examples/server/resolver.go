package main

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/bulwarkmail/bulwark/mailauth"
)

// newResolver returns a caching resolver over the configured servers, or
// over the system's resolver when none is configured.
func newResolver(cfg DNSConfig) mailauth.Resolver {
	r := net.DefaultResolver
	if len(cfg.Servers) > 0 {
		servers := cfg.Servers
		r = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				d := net.Dialer{Timeout: 5 * time.Second}
				var errs []error
				for _, s := range servers {
					c, err := d.DialContext(ctx, network, s)
					if err == nil {
						return c, nil
					}
					errs = append(errs, err)
				}
				return nil, errors.Join(errs...)
			},
		}
	}
	return mailauth.NewCache(r, mailauth.CacheOptions{})
}
