package reporting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// sender posts envelopes to Sentry's envelope endpoint and classifies the
// answer, so that the reporter knows whether to keep the envelope for a
// retry and how long Sentry asked it to wait.
type sender struct {
	url, auth string
	transport *http.Transport
	client    *http.Client
}

// sendResult is the outcome of one attempt.
type sendResult struct {
	err       error         // nil when delivered
	retryable bool          // keep the envelope and retry later
	wait      time.Duration // rate limit or Retry-After announced by Sentry
}

func newSender(dsn *sentry.Dsn, timeout time.Duration) *sender {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: timeout,
	}
	auth := fmt.Sprintf("Sentry sentry_version=7, sentry_client=supportkit/%s, sentry_key=%s", sentry.SDKVersion, dsn.GetPublicKey())
	if s := dsn.GetSecretKey(); s != "" {
		auth += ", sentry_secret=" + s
	}
	return &sender{
		url:       dsn.GetAPIURL().String(),
		auth:      auth,
		transport: tr,
		client:    &http.Client{Transport: tr, Timeout: timeout},
	}
}

var errRejected = errors.New("reporting: Sentry rejected the envelope")

func (s *sender) send(ctx context.Context, envelope []byte, now time.Time) sendResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(envelope))
	if err != nil {
		return sendResult{err: err}
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("X-Sentry-Auth", s.auth)
	req.Header.Set("User-Agent", "supportkit/"+sentry.SDKVersion)
	resp, err := s.client.Do(req)
	if err != nil {
		// Connection refused, timeout, DNS failure, TLS failure: all
		// worth retrying.
		return sendResult{err: err, retryable: true}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	wait := rateLimit(resp.Header.Get("X-Sentry-Rate-Limits"), now)
	switch {
	case resp.StatusCode/100 == 2:
		return sendResult{wait: wait}
	case resp.StatusCode == http.StatusTooManyRequests:
		if wait == 0 {
			wait = retryAfter(resp.Header.Get("Retry-After"), now)
		}
		return sendResult{err: fmt.Errorf("reporting: Sentry answered %s", resp.Status), retryable: true, wait: wait}
	case resp.StatusCode >= 500:
		return sendResult{err: fmt.Errorf("reporting: Sentry answered %s", resp.Status), retryable: true, wait: wait}
	default:
		return sendResult{err: fmt.Errorf("%w: %s", errRejected, resp.Status), wait: wait}
	}
}

// rateLimit reads X-Sentry-Rate-Limits ("60:error;transaction:org, 10::key")
// and returns the longest wait that applies to error events: limits whose
// category list is empty (all categories) or names "error" or "default".
func rateLimit(h string, now time.Time) time.Duration {
	var longest time.Duration
	for _, group := range strings.Split(h, ",") {
		parts := strings.Split(strings.TrimSpace(group), ":")
		if len(parts) == 0 || parts[0] == "" {
			continue
		}
		secs, err := strconv.ParseFloat(parts[0], 64)
		if err != nil || secs < 0 {
			continue
		}
		applies := len(parts) < 2 || parts[1] == ""
		if !applies {
			for _, c := range strings.Split(parts[1], ";") {
				if c == "error" || c == "default" {
					applies = true
				}
			}
		}
		if d := time.Duration(secs * float64(time.Second)); applies && d > longest {
			longest = d
		}
	}
	return longest
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); Sentry's
// documented default, 60 s, applies when it is missing or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	if h = strings.TrimSpace(h); h != "" {
		if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(h); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	return time.Minute
}
