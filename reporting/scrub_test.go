package reporting_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

const (
	jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	dsn = "https://abc123def@o1.ingest.sentry.example/42"
)

// scrubbedEvent serves one panicking request carrying every kind of
// sensitive data and returns its event.
func scrubbedEvent(t *testing.T, opts ...reporting.Option) *sentry.Event {
	t.Helper()
	rec := reportingtest.New(t, opts...)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		reporting.SetTag(ctx, "session_id", "s-123")
		reporting.SetTag(ctx, "note", "dsn is "+dsn)
		reporting.AddBreadcrumb(ctx, &sentry.Breadcrumb{Message: "got " + jwt, Data: map[string]any{"api_key": "k", "count": 3}})
		panic(errorsx.Internal.New("failed with "+jwt, "password", "p", "user_token", "t", "order", 7))
	}))
	req := httptest.NewRequest("POST", "/pay?card=4111111111111111&token=abc&page=2", strings.NewReader(`{"card":"4111"}`))
	for _, k := range []string{
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key",
		"X-Auth-Token", "X-Forwarded-For", "X-Real-Ip", "X-Session-Id", "X-Csrf-Token",
	} {
		req.Header.Set(k, "sensitive-"+k)
	}
	req.Header.Set("User-Agent", "test-agent")
	req.Header.Set("Referer", "https://user:pw@example.com/x")
	h.ServeHTTP(httptest.NewRecorder(), req)
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	return evs[0]
}

func TestScrubbingDefault(t *testing.T) {
	ev := scrubbedEvent(t)
	const R = errorsx.Redacted
	wantHeaders := map[string]string{
		"Authorization": R, "Proxy-Authorization": R, "Cookie": R, "Set-Cookie": R, "X-Api-Key": R, "Api-Key": R,
		"X-Auth-Token": R, "X-Forwarded-For": R, "X-Real-Ip": R, "X-Session-Id": R, "X-Csrf-Token": R,
		"User-Agent": "test-agent", "Referer": R,
	}
	if diff := cmp.Diff(wantHeaders, ev.Request.Headers); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
	q, _ := url.ParseQuery(ev.Request.QueryString)
	wantQuery := url.Values{"card": {R}, "token": {R}, "page": {R}}
	if diff := cmp.Diff(wantQuery, q); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
	got := map[string]any{
		"data":       ev.Request.Data,
		"cookies":    ev.Request.Cookies,
		"session":    ev.Tags["session_id"],
		"note":       ev.Tags["note"],
		"crumb":      ev.Breadcrumbs[0].Message,
		"crumb_data": ev.Breadcrumbs[0].Data,
		"exception":  ev.Exception[len(ev.Exception)-1].Value,
		"fields":     ev.Contexts["fields"],
	}
	want := map[string]any{
		"data":       "",
		"cookies":    "",
		"session":    R,
		"note":       "dsn is " + R,
		"crumb":      "got " + R,
		"crumb_data": map[string]any{"api_key": R, "count": 3},
		"exception":  "failed with " + R,
		"fields":     sentry.Context{"password": R, "user_token": R, "order": 7},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scrubbed event mismatch (-want +got):\n%s", diff)
	}
}

func TestScrubbingConfigurable(t *testing.T) {
	s := reporting.DefaultScrubbing()
	s.KeepQueryValues = true
	s.Keys = regexp.MustCompile(`(?i)card`)
	s.Headers = []string{"User-Agent"}
	var sawScrubbed bool
	ev := scrubbedEvent(t, reporting.WithScrubbing(s), reporting.WithBeforeSend(func(ev *sentry.Event, _ *sentry.EventHint) *sentry.Event {
		sawScrubbed = ev.Request.Headers["User-Agent"] == errorsx.Redacted
		ev.Tags["seen_by_hook"] = "yes"
		return ev
	}))
	q, _ := url.ParseQuery(ev.Request.QueryString)
	want := map[string]any{
		"query":  url.Values{"card": {errorsx.Redacted}, "token": {"abc"}, "page": {"2"}},
		"agent":  errorsx.Redacted,
		"auth":   "sensitive-Authorization",
		"hook":   "yes",
		"before": true,
	}
	got := map[string]any{"query": q, "agent": ev.Request.Headers["User-Agent"], "auth": ev.Request.Headers["Authorization"], "hook": ev.Tags["seen_by_hook"], "before": sawScrubbed}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configured scrubbing mismatch (-want +got):\n%s", diff)
	}
}

func TestScrubbingKeys(t *testing.T) {
	re := reporting.DefaultScrubbing().Keys
	for _, k := range []string{"password", "Passwd", "client_secret", "access_token", "api_key", "api-key", "APIKEY", "Authorization", "auth", "session", "sessionid", "cookie", "credentials"} {
		if !re.MatchString(k) {
			t.Errorf("key %q not scrubbed by default", k)
		}
	}
	for _, k := range []string{"order_id", "user", "count", "path"} {
		if re.MatchString(k) {
			t.Errorf("key %q scrubbed by default, want kept", k)
		}
	}
}
