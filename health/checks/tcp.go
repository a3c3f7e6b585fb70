package checks

import (
	"context"
	"net"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// TCPDial checks that addr accepts TCP connections, dialing with d (nil
// for a zero net.Dialer) and closing the connection at once.
func TCPDial(d *net.Dialer, addr string) health.CheckFunc {
	if d == nil {
		d = &net.Dialer{}
	}
	return func(ctx context.Context) error {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return errorsx.Unavailable.Wrap(err, "tcp dial", "addr", addr)
		}
		return conn.Close()
	}
}
