package checks

import (
	"context"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// HTTPGet checks that a GET of url with client (nil for
// http.DefaultClient) answers with one of codes, or any 2xx status when
// codes is empty. It reads and discards up to 64 KiB of the body so that
// the connection goes back to the client's pool. It reports the time to
// the response's headers ([ResponseTime]) when there is a response.
func HTTPGet(client *http.Client, url string, codes ...int) health.MeasureFunc {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context) (health.Observation, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return health.Observation{}, errorsx.InvalidArgument.Wrap(err, "http check: bad request", "url", url)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return health.Observation{}, errorsx.Unavailable.Wrap(err, "http get", "url", url)
		}
		obs := ResponseTime(time.Since(start))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		ok := resp.StatusCode >= 200 && resp.StatusCode < 300
		if len(codes) > 0 {
			ok = slices.Contains(codes, resp.StatusCode)
		}
		if !ok {
			return obs, errorsx.Unavailable.New("http get: unexpected status", "url", url, "status", resp.StatusCode)
		}
		return obs, nil
	}
}

// ResponseTime is the observation of a dependency's latency, d, in the
// health+json draft's words: measurement "responseTime", unit "ms".
func ResponseTime(d time.Duration) health.Observation {
	return health.Observation{Measurement: "responseTime", Value: float64(d.Microseconds()) / 1000, Unit: "ms"}
}
