package checks

import (
	"context"
	"io"
	"net/http"
	"slices"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

// HTTPGet checks that a GET of url with client (nil for
// http.DefaultClient) answers with one of codes, or any 2xx status when
// codes is empty. It reads and discards up to 64 KiB of the body so that
// the connection goes back to the client's pool.
func HTTPGet(client *http.Client, url string, codes ...int) health.CheckFunc {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return errorsx.InvalidArgument.Wrap(err, "http check: bad request", "url", url)
		}
		resp, err := client.Do(req)
		if err != nil {
			return errorsx.Unavailable.Wrap(err, "http get", "url", url)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		ok := resp.StatusCode >= 200 && resp.StatusCode < 300
		if len(codes) > 0 {
			ok = slices.Contains(codes, resp.StatusCode)
		}
		if !ok {
			return errorsx.Unavailable.New("http get: unexpected status", "url", url, "status", resp.StatusCode)
		}
		return nil
	}
}
