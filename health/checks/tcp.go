package checks

import (
	"context"
	"net"
	"time"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// TCPDial checks that addr accepts TCP connections, dialing with d (nil
// for a zero net.Dialer) and closing the connection at once. It reports
// the time to connect ([ResponseTime]).
func TCPDial(d *net.Dialer, addr string) health.MeasureFunc {
	if d == nil {
		d = &net.Dialer{}
	}
	return func(ctx context.Context) (health.Observation, error) {
		start := time.Now()
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return health.Observation{}, errorsx.Unavailable.Wrap(err, "tcp dial", "addr", addr)
		}
		return ResponseTime(time.Since(start)), conn.Close()
	}
}
