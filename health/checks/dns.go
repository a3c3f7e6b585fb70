package checks

import (
	"context"

	"net"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// DNS checks that host resolves to at least one address with resolver
// (nil for net.DefaultResolver).
func DNS(resolver *net.Resolver, host string) health.CheckFunc {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	return func(ctx context.Context) error {
		addrs, err := resolver.LookupHost(ctx, host)
		if err != nil {
			return errorsx.Unavailable.Wrap(err, "dns lookup", "host", host)
		}
		if len(addrs) == 0 {
			return errorsx.Unavailable.New("dns lookup: no addresses", "host", host)
		}
		return nil
	}
}
