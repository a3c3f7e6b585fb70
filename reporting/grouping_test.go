package reporting_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/reportingtest"
)

// The handlers below fail as applications do. This package's functions
// are under supportkit's module path, which the in-app rule treats as
// supportkit's own (not the application's): the tests configure
// WithInAppPrefixes(testPackage) so that they are the application.

var ordersByID map[string]int // nil: writing to it panics

func nilMapOrders(http.ResponseWriter, *http.Request)  { ordersByID["o-1"]++ }
func nilMapInvoice(http.ResponseWriter, *http.Request) { ordersByID["i-1"]++ }

func closeTwiceOrders(http.ResponseWriter, *http.Request) {
	ch := make(chan int)
	close(ch)
	close(ch)
}

func closeTwiceInvoice(http.ResponseWriter, *http.Request) {
	ch := make(chan int)
	close(ch)
	close(ch)
}

// both in one function: two bugs.
func twoBugs(_ http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("map") {
		ordersByID["x"]++
	}
	ch := make(chan int)
	close(ch)
	close(ch)
}

var pattern = "(" // bad input

func searchOrders(http.ResponseWriter, *http.Request) { regexp.MustCompile(pattern) }
func searchUsers(http.ResponseWriter, *http.Request)  { regexp.MustCompile(pattern + "[") }

// panicEvent serves one request to h through the middleware and a mux and
// returns its event.
func panicEvent(t *testing.T, rec *reportingtest.Recorder, target string, h http.HandlerFunc) *sentry.Event {
	t.Helper()
	rec.Reset()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	rec.Reporter().Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	return evs[0]
}

func TestGroupingPanics(t *testing.T) {
	const p = testPackage + "."
	tests := []struct {
		name string
		a, b http.HandlerFunc
		// targets of the two requests
		ta, tb           string
		wantA, wantB     []string
		wantSameFingerpr bool
	}{
		{
			name: "nil-map writes in two handlers: two issues, each named by its handler",
			a:    nilMapOrders, b: nilMapInvoice, ta: "/", tb: "/",
			wantA: []string{"panic", p + "nilMapOrders", "assignment to entry in nil map"},
			wantB: []string{"panic", p + "nilMapInvoice", "assignment to entry in nil map"},
		},
		{
			name: "close of a closed channel in two handlers: two issues",
			a:    closeTwiceOrders, b: closeTwiceInvoice, ta: "/", tb: "/",
			wantA: []string{"panic", p + "closeTwiceOrders", "close of closed channel"},
			wantB: []string{"panic", p + "closeTwiceInvoice", "close of closed channel"},
		},
		{
			name: "nil-map write and closed channel in one function: two issues",
			a:    twoBugs, b: twoBugs, ta: "/?map", tb: "/",
			wantA: []string{"panic", p + "twoBugs", "assignment to entry in nil map"},
			wantB: []string{"panic", p + "twoBugs", "close of closed channel"},
		},
		{
			name: "regexp.MustCompile with bad input in two handlers: two issues",
			a:    searchOrders, b: searchUsers, ta: "/", tb: "/",
			wantA: []string{"panic", p + "searchOrders"},
			wantB: []string{"panic", p + "searchUsers"},
		},
		{
			name: "one nil-map write twice: one issue",
			a:    nilMapOrders, b: nilMapOrders, ta: "/a", tb: "/b",
			wantA:            []string{"panic", p + "nilMapOrders", "assignment to entry in nil map"},
			wantB:            []string{"panic", p + "nilMapOrders", "assignment to entry in nil map"},
			wantSameFingerpr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := reportingtest.New(t, reporting.WithInAppPrefixes(testPackage), reporting.WithStormLimit(0, 100))
			a := panicEvent(t, rec, tt.ta, tt.a).Fingerprint
			b := panicEvent(t, rec, tt.tb, tt.b).Fingerprint
			if diff := cmp.Diff(tt.wantA, a); diff != "" {
				t.Errorf("first fingerprint mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantB, b); diff != "" {
				t.Errorf("second fingerprint mismatch (-want +got):\n%s", diff)
			}
			if same := cmp.Equal(a, b); same != tt.wantSameFingerpr {
				t.Errorf("same fingerprint = %v, want %v: %q and %q", same, tt.wantSameFingerpr, a, b)
			}
		})
	}
}

// TestGroupingPanicWithoutAppFrames: a panic whose stack holds no frame of
// the application's (its code is not configured as in-app) gets no custom
// fingerprint: never one named after the runtime's frame.
func TestGroupingPanicWithoutAppFrames(t *testing.T) {
	rec := reportingtest.New(t)
	ev := panicEvent(t, rec, "/", nilMapOrders)
	if ev.Fingerprint != nil {
		t.Errorf("fingerprint = %q, want none (Sentry's own grouping)", ev.Fingerprint)
	}
}

//go:noinline
func reportFailure(ctx context.Context, err error) string { return reporting.Capture(ctx, err) }

// TestGroupingForeignErrorsThroughOneHelper: an os.Open failure and a
// strconv.Atoi failure, captured through one shared helper, carry no stack
// of their own: their stacks are the helper's, the same for both. They get
// no custom fingerprint (which would name the helper and merge them);
// Sentry groups them by exception type and stack, and their types differ.
func TestGroupingForeignErrorsThroughOneHelper(t *testing.T) {
	rec := reportingtest.New(t, reporting.WithInAppPrefixes(testPackage))
	ctx := rec.Reporter().Bind(context.Background())
	_, openErr := os.Open("/nonexistent/orders.csv")
	_, atoiErr := strconv.Atoi("seven")
	type view struct {
		Fingerprint []string
		Type        string
		InApp       []string // the in-app frames, innermost last
	}
	look := func(err error) view {
		t.Helper()
		ev := rec.Event(reportFailure(ctx, err))
		if ev == nil || len(ev.Exception) != 1 || ev.Exception[0].Stacktrace == nil {
			t.Fatalf("event %v: want one exception with a stack", ev)
		}
		v := view{Fingerprint: ev.Fingerprint, Type: ev.Exception[0].Type}
		for _, f := range ev.Exception[0].Stacktrace.Frames {
			if f.InApp {
				v.InApp = append(v.InApp, f.Function)
			}
		}
		return v
	}
	got := []view{look(openErr), look(atoiErr)}
	// The test, its closure look, the helper: the same for both errors.
	frames := []string{"TestGroupingForeignErrorsThroughOneHelper", "TestGroupingForeignErrorsThroughOneHelper.func1", "reportFailure"}
	want := []view{
		{Type: "*fs.PathError", InApp: frames},
		{Type: "*strconv.NumError", InApp: frames},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("foreign errors mismatch (-want +got):\n%s", diff)
	}
}

//go:noinline
func declinePayment(log *zap.Logger, ctx context.Context, id int) {
	log.Error("payment "+strconv.Itoa(id)+" declined", reporting.LogContext(ctx))
}

//go:noinline
func declineRefund(log *zap.Logger, ctx context.Context, id int) {
	log.Error("refund "+strconv.Itoa(id)+" declined", reporting.LogContext(ctx))
}

// TestGroupingLogLines: log lines group by where they were logged, with
// the numbers, hex values and UUIDs of their text replaced: never by the
// raw text, which would make each payment ID an issue.
func TestGroupingLogLines(t *testing.T) {
	const p = testPackage + "."
	rec := reportingtest.New(t, reporting.WithInAppPrefixes(testPackage))
	log := zap.New(rec.Reporter().WrapCore(zapcore.NewNopCore()))
	ctx := rec.Reporter().Bind(context.Background())
	declinePayment(log, ctx, 7731)
	declinePayment(log, ctx, 7732)
	declineRefund(log, ctx, 7731)
	log.Error("job 3f2c9a1e-8b7d-4c6e-9f0a-1b2c3d4e5f60 failed at 0x7ffd12 after 12.5s", reporting.LogContext(ctx))
	var got [][]string
	for _, ev := range rec.Events() {
		got = append(got, ev.Fingerprint)
	}
	want := [][]string{
		{"log", p + "declinePayment", "payment <n> declined"},
		{"log", p + "declinePayment", "payment <n> declined"},
		{"log", p + "declineRefund", "refund <n> declined"},
		{"log", p + "TestGroupingLogLines", "job <uuid> failed at <hex> after <n>s"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log fingerprints mismatch (-want +got):\n%s", diff)
	}
}

// TestGroupingLogLineOutsideTheApplication: with no in-app frame where the
// line was logged, the normalised message alone groups it.
func TestGroupingLogLineOutsideTheApplication(t *testing.T) {
	rec := reportingtest.New(t)
	log := zap.New(rec.Reporter().WrapCore(zapcore.NewNopCore()))
	declinePayment(log, context.Background(), 7731)
	declinePayment(log, context.Background(), 7732)
	var got [][]string
	for _, ev := range rec.Events() {
		got = append(got, ev.Fingerprint)
	}
	want := [][]string{{"log", "payment <n> declined"}, {"log", "payment <n> declined"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log fingerprints mismatch (-want +got):\n%s", diff)
	}
}
