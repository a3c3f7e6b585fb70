package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"
)

// sender posts envelopes to a Sentry project's envelope endpoint and says
// what the answer means for the envelope.
type sender struct {
	url, auth string
	transport *http.Transport
	client    *http.Client
}

// verdict is what one attempt means for the envelope.
type verdict uint8

const (
	delivered verdict = iota // accepted: remove it
	retry                    // may work later (network, 5xx, 429): keep it, back off
	refused                  // 401, 403, 404: the project or key is wrong *now*; keep it, back off, say so loudly
	tooLarge                 // 413: make it smaller and send again
	invalid                  // 400 and other 4xx: Sentry will never take it; set it aside with the reason
)

func (v verdict) String() string {
	return [...]string{"delivered", "retry", "refused", "too large", "invalid"}[v]
}

// result is the outcome of one attempt.
type result struct {
	verdict verdict
	status  int           // HTTP status, 0 when there was no answer
	err     error         // what went wrong, nil when delivered
	wait    time.Duration // rate limit or Retry-After announced by Sentry
}

func newSender(dsn *sentry.Dsn, timeout time.Duration) *sender {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
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

func (s *sender) send(ctx context.Context, envelope []byte, now time.Time) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(envelope))
	if err != nil {
		return result{verdict: invalid, err: err}
	}
	req.Header.Set("Content-Type", "application/x-sentry-envelope")
	req.Header.Set("X-Sentry-Auth", s.auth)
	req.Header.Set("User-Agent", "supportkit/"+sentry.SDKVersion)
	resp, err := s.client.Do(req)
	if err != nil {
		// Connection refused, timeout, DNS or TLS failure: all worth
		// retrying. The URL in the error names the project, not the key.
		return result{verdict: retry, err: err}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	wait := rateLimit(resp.Header.Get("X-Sentry-Rate-Limits"), now)
	code := resp.StatusCode
	res := result{status: code, wait: wait}
	if code/100 == 2 {
		return res
	}
	res.err = fmt.Errorf("Sentry answered %s%s", resp.Status, detail(body))
	switch {
	case code == http.StatusTooManyRequests:
		if res.wait == 0 {
			res.wait = retryAfter(resp.Header.Get("Retry-After"), now)
		}
		res.verdict = retry
	case code >= 500, code == http.StatusRequestTimeout:
		res.verdict = retry
	case code == http.StatusUnauthorized, code == http.StatusForbidden, code == http.StatusNotFound:
		// A rotated key, a misrouted ingress, a project being moved: the
		// envelope is fine, the way to Sentry is not. Never a reason to
		// delete what we were trusted with.
		res.verdict = refused
	case code == http.StatusRequestEntityTooLarge:
		res.verdict = tooLarge
	default:
		res.verdict = invalid
	}
	return res
}

// detail is Relay's short explanation of a refusal, from its JSON body
// ({"detail":"..."}), for the log line and the rejected envelope's reason.
func detail(body []byte) string {
	i := bytes.Index(body, []byte(`"detail"`))
	if i < 0 {
		return ""
	}
	rest := body[i+len(`"detail"`):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	rest = rest[j+1:]
	k := bytes.IndexByte(rest, '"')
	if k < 0 {
		return ""
	}
	return ": " + string(rest[:min(k, 200)])
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
		if err != nil || secs < 0 || secs > 86400 {
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
			return min(time.Duration(secs)*time.Second, 24*time.Hour)
		}
		if t, err := http.ParseTime(h); err == nil {
			return min(max(t.Sub(now), 0), 24*time.Hour)
		}
	}
	return time.Minute
}
