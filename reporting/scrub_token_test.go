package reporting_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

const (
	hexKey  = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	b64Key  = "Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpLTE1O"
	awsKey  = "AKIAIOSFODNN7EXAMPLE"
	liveKey = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
)

// tokenEvent serves one panicking request that carries tokens in its path,
// query keys and headers, and returns its event.
func tokenEvent(t *testing.T, target string, header http.Header, panicValue any) *sentry.Event {
	t.Helper()
	rec := reportingtest.New(t)
	h := rec.Reporter().Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(panicValue) }))
	req := httptest.NewRequest("GET", target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	h.ServeHTTP(httptest.NewRecorder(), req)
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	return evs[0]
}

func TestScrubbingTokensInPathAndQueryKeys(t *testing.T) {
	ev := tokenEvent(t, "/orders/"+jwt+"/items/"+hexKey+"/v2/annual-report-for-the-shareholders-2024?"+b64Key+"=1&page=2&"+liveKey, nil, "boom")
	const R = errorsx.Redacted
	q, _ := url.ParseQuery(ev.Request.QueryString)
	got := map[string]any{"transaction": ev.Transaction, "url": ev.Request.URL, "query": q}
	want := map[string]any{
		"transaction": "GET", // no route matched: the method alone, as the span; never the path
		"url":         "http://example.com/orders/" + R + "/items/" + R + "/v2/annual-report-for-the-shareholders-2024",
		"query":       url.Values{R: {R, ""}, "page": {R}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scrubbed URL mismatch (-want +got):\n%s", diff)
	}
}

func TestScrubbingHeaders(t *testing.T) {
	const R = errorsx.Redacted
	big := strings.Repeat("a ", 450<<10) // 900 KiB
	header := http.Header{
		"X-Signature":          {"sha1=abc"},
		"X-Hub-Signature-256":  {"sha256=abc"},
		"X-Amz-Security-Token": {"FQoG"},
		"X-Private-Key":        {"pk"},
		"Private-Key":          {"pk"},
		"X-Goog-Api-Key":       {"gk"},
		"Baggage":              {"userId=alice,session=s1"},
		"Referer":              {"https://example.com/reset?code=123"},
		"X-Custom-Auth":        {"Bearer abcdefghijklmnop"},
		"X-Custom-Basic":       {"Basic dXNlcjpwYXNzd29yZA=="},
		"X-Aws":                {awsKey},
		"X-Stripe":             {liveKey},
		"X-Random":             {"v1," + b64Key},
		"X-Hex":                {hexKey},
		"X-Jwt":                {jwt},
		"User-Agent":           {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"},
		"Accept":               {"text/html"},
		"X-Big":                {big},
	}
	ev := tokenEvent(t, "/", header, "boom")
	want := map[string]string{
		"X-Signature": R, "X-Hub-Signature-256": R, "X-Amz-Security-Token": R, "X-Private-Key": R,
		"Private-Key": R, "X-Goog-Api-Key": R, "Baggage": R, "Referer": R, "X-Custom-Auth": R,
		"X-Custom-Basic": R, "X-Aws": R, "X-Stripe": R, "X-Random": R, "X-Hex": R, "X-Jwt": R,
		"User-Agent": header.Get("User-Agent"), "Accept": "text/html",
		"X-Big": big[:1024] + "…[truncated " + itoa(len(big)-1024) + " bytes]",
	}
	if diff := cmp.Diff(want, ev.Request.Headers); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
	// The 900 KiB header no longer makes a 1 MiB envelope.
	env, err := outbox.EncodeEvent(ev, "")
	if err != nil || len(env) > 32<<10 {
		t.Errorf("envelope of %d bytes (err %v), want at most 32 KiB", len(env), err)
	}
}

func TestScrubbingCapsSizes(t *testing.T) {
	msg := strings.Repeat("é", 10<<10) // 20 KiB, two bytes a rune
	ev := tokenEvent(t, "/", nil, errorsx.Internal.New(msg, "blob", msg))
	exc := ev.Exception[len(ev.Exception)-1].Value
	field, _ := ev.Contexts["fields"]["blob"].(string)
	for name, v := range map[string]string{"exception": exc, "field": field} {
		want := strings.Repeat("é", 4<<10) + "…[truncated " + itoa(len(msg)-8<<10) + " bytes]"
		if v != want {
			t.Errorf("%s: got %d bytes ending %q, want %d bytes", name, len(v), v[max(0, len(v)-40):], len(want))
		}
	}
}

func TestScrubbingLeavesCallersDataAlone(t *testing.T) {
	rec := reportingtest.New(t)
	data := map[string]any{"api_key": "k", "nested": map[string]any{"token": "t"}, "note": "got " + jwt}
	tags := map[string]string{"session": "s"}
	h := rec.Reporter().Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		reporting.AddBreadcrumb(r.Context(), &sentry.Breadcrumb{Message: "m " + jwt, Data: data})
		sentry.GetHubFromContext(r.Context()).Scope().SetTags(tags)
		sentry.GetHubFromContext(r.Context()).Scope().SetContext("c", sentry.Context{"password": "p"})
		reporting.Capture(r.Context(), errorsx.Internal.New("one"))
		reporting.Capture(r.Context(), errorsx.Internal.New("two"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if n := len(rec.Events()); n != 2 {
		t.Fatalf("got %d events, want 2", n)
	}
	want := map[string]any{"api_key": "k", "nested": map[string]any{"token": "t"}, "note": "got " + jwt}
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("caller's breadcrumb data changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"session": "s"}, tags); diff != "" {
		t.Errorf("caller's tags changed (-want +got):\n%s", diff)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
