package health_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/health"
)

func serve(h http.Handler, method, target string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// newMux registers db (critical, failing or not), cache (non-critical,
// failing) and proc (liveness), runs each once and returns the mux.
func newMux(t *testing.T, dbErr error, opts ...health.Option) (*health.Registry, *http.ServeMux) {
	t.Helper()
	r := setup(t, opts...)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Register("db", health.CheckFunc(func(context.Context) error { return dbErr }), health.Every(time.Hour)))
	must(r.Register("cache", health.CheckFunc(func(context.Context) error { return errDown }), health.Every(time.Hour), health.NonCritical()))
	must(r.Register("proc", pass, health.For(health.Liveness), health.Every(time.Hour)))
	waitFor(t, r, "first runs", func(s *health.Snapshot) bool {
		for _, res := range s.Results() {
			if res.Pending {
				return false
			}
		}
		return true
	})
	mux := http.NewServeMux()
	r.Handle(mux)
	return r, mux
}

type answer struct {
	Code         int
	Body         string
	ContentType  string
	CacheControl string
}

const plain = "text/plain; charset=utf-8"

func TestHandlerPlain(t *testing.T) {
	_, okMux := newMux(t, nil)
	_, badMux := newMux(t, errDown)
	tests := []struct {
		name, method, target string
		mux                  *http.ServeMux
		want                 answer
	}{
		{"readyz warns on non-critical failure", "GET", "/readyz", okMux, answer{200, "warn\n", plain, "no-store"}},
		{"livez", "GET", "/livez", okMux, answer{200, "pass\n", plain, "no-store"}},
		{"healthz", "GET", "/healthz", okMux, answer{200, "warn\n", plain, "no-store"}},
		{"startupz without startup checks", "GET", "/startupz", okMux, answer{200, "pass\n", plain, "no-store"}},
		{"HEAD has no body", "HEAD", "/readyz", okMux, answer{200, "", "", "no-store"}},
		{"OPTIONS is readiness", "OPTIONS", "/readyz", badMux, answer{503, "fail\n", plain, "no-store"}},
		{"critical failure", "GET", "/readyz", badMux, answer{503, "fail\n", plain, "no-store"}},
		{"liveness unaffected", "GET", "/livez", badMux, answer{200, "pass\n", plain, "no-store"}},
		{"healthz fails", "GET", "/healthz", badMux, answer{503, "fail\n", plain, "no-store"}},
		{"sub-path", "GET", "/readyz/db", badMux, answer{503, "fail\n", plain, "no-store"}},
		{"sub-path non-critical", "GET", "/readyz/cache", badMux, answer{200, "warn\n", plain, "no-store"}},
		{"sub-path of another probe", "GET", "/livez/db", badMux, answer{404, "unknown check\n", plain, "no-store"}},
		{"exclude", "GET", "/readyz?exclude=db", badMux, answer{200, "warn\n", plain, "no-store"}},
		{"exclude two", "GET", "/readyz?exclude=db,cache", badMux, answer{200, "pass\n", plain, "no-store"}},
		{"exclude repeated", "GET", "/readyz?exclude=db&exclude=cache", badMux, answer{200, "pass\n", plain, "no-store"}},
		{"exclude unknown is reported", "GET", "/readyz?exclude=nope", badMux, answer{503, "fail\nunknown check in exclude: nope\n", plain, "no-store"}},
		{"POST", "POST", "/readyz", okMux, answer{405, "method not allowed\n", plain, ""}},
	}
	// Through a real server: net/http, not the handler, sniffs the
	// Content-Type of the plain bodies.
	okSrv, badSrv := httptest.NewServer(okMux), httptest.NewServer(badMux)
	t.Cleanup(okSrv.Close)
	t.Cleanup(badSrv.Close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := okSrv
			if tt.mux == badMux {
				srv = badSrv
			}
			req, err := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := answer{resp.StatusCode, string(body), resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s mismatch (-want +got):\n%s", tt.method, tt.target, diff)
			}
		})
	}
}

type jsonCheck struct {
	Status        string   `json:"status"`
	Time          string   `json:"time"`
	ObservedValue *float64 `json:"observedValue"`
	ObservedUnit  string   `json:"observedUnit"`
	Output        string   `json:"output"`
}

type jsonBody struct {
	Status string                 `json:"status"`
	Notes  []string               `json:"notes"`
	Checks map[string][]jsonCheck `json:"checks"`
}

func TestHandlerJSON(t *testing.T) {
	insider := func(r *http.Request) bool { return r.Header.Get("X-Insider") == "yes" }
	_, mux := newMux(t, errDown, health.WithDetails(insider))
	tests := []struct {
		name, target string
		hdr          http.Header
		code         int
		want         jsonBody
	}{
		{"verbose hides error text", "/readyz?verbose", nil, 503, jsonBody{Status: "fail", Checks: map[string][]jsonCheck{
			"db:checkDuration":    {{Status: "fail", ObservedUnit: "ms"}},
			"cache:checkDuration": {{Status: "warn", ObservedUnit: "ms"}},
		}}},
		{"Accept", "/livez", http.Header{"Accept": {"application/health+json"}}, 200, jsonBody{Status: "pass", Checks: map[string][]jsonCheck{
			"proc:checkDuration": {{Status: "pass", ObservedUnit: "ms"}},
		}}},
		{"authorized caller sees output", "/readyz?verbose&exclude=cache,nope", http.Header{"X-Insider": {"yes"}}, 503, jsonBody{
			Status: "fail", Notes: []string{"unknown check in exclude: nope"},
			Checks: map[string][]jsonCheck{"db:checkDuration": {{Status: "fail", ObservedUnit: "ms", Output: "connection refused"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(mux, "GET", tt.target, tt.hdr)
			if w.Code != tt.code || w.Header().Get("Content-Type") != "application/health+json" {
				t.Errorf("code %d type %q, want %d application/health+json", w.Code, w.Header().Get("Content-Type"), tt.code)
			}
			var got jsonBody
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, w.Body)
			}
			for _, cs := range got.Checks {
				for i := range cs {
					if _, err := time.Parse(time.RFC3339Nano, cs[i].Time); err != nil || cs[i].ObservedValue == nil {
						t.Errorf("check without time or observed value: %+v", cs[i])
					}
					cs[i].Time, cs[i].ObservedValue = "", nil
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// HAProxy's plain "option httpchk" sends "OPTIONS / HTTP/1.0" with no Host
// header. HAProxyCheck answers it with readiness and gives the
// application every other request to "/"; Handle alone leaves "/" to the
// application.
func TestHAProxyCheck(t *testing.T) {
	_, bad := newMux(t, errDown)
	r, ok := newMux(t, nil)
	ok.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.WriteString(w, "app "+req.Method+"\n")
	})
	rBad, _ := newMux(t, errDown)
	tests := []struct {
		name    string
		handler http.Handler
		request string
		want    answer
	}{
		{"plain check: readiness", r.HAProxyCheck(ok), "OPTIONS / HTTP/1.0\r\n\r\n", answer{200, "warn\n", plain, "no-store"}},
		{"plain check: failing readiness", rBad.HAProxyCheck(bad), "OPTIONS / HTTP/1.0\r\n\r\n", answer{503, "fail\n", plain, "no-store"}},
		{"with a Host header: the application", r.HAProxyCheck(ok), "OPTIONS / HTTP/1.0\r\nHost: shop\r\n\r\n", answer{200, "app OPTIONS\n", plain, ""}},
		{"CORS preflight: the application", r.HAProxyCheck(ok), "OPTIONS / HTTP/1.1\r\nHost: shop\r\nOrigin: https://shop.example\r\nConnection: close\r\n\r\n", answer{200, "app OPTIONS\n", plain, ""}},
		{"GET without Host: the application", r.HAProxyCheck(ok), "GET / HTTP/1.0\r\n\r\n", answer{200, "app GET\n", plain, ""}},
		{"other path without Host: the application", r.HAProxyCheck(ok), "OPTIONS /orders HTTP/1.0\r\n\r\n", answer{200, "app OPTIONS\n", plain, ""}},
		{"probes still mounted", r.HAProxyCheck(ok), "GET /livez HTTP/1.0\r\n\r\n", answer{200, "pass\n", plain, "no-store"}},
		{"without HAProxyCheck: no probe on /", bad, "OPTIONS / HTTP/1.0\r\n\r\n", answer{404, "404 page not found\n", plain, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.request); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := answer{resp.StatusCode, string(body), resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%q mismatch (-want +got):\n%s", tt.request, diff)
			}
		})
	}
}

func FuzzHandlerQuery(f *testing.F) {
	for _, s := range []string{"", "verbose", "exclude=db", "exclude=db,,x&exclude=&verbose=1", "%zz", "exclude=%2F", "exclude=a\nb,a\nb,\xff\xfe"} {
		f.Add(s, "application/json")
	}
	r := setup(f, health.WithCheck("db", pass))
	h := r.Handler(health.Readiness)
	f.Fuzz(func(t *testing.T, query, accept string) {
		req := httptest.NewRequest("GET", "/readyz", nil)
		req.URL.RawQuery = query
		req.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 503:
		default:
			t.Errorf("query %q: status %d", query, w.Code)
		}
		if w.Code != 400 && w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("query %q: no Cache-Control", query)
		}
		if n := w.Body.Len(); n > 4096 {
			t.Errorf("query of %d bytes: body of %d bytes, want at most 4096", len(query), n)
		}
		if ct := w.Header().Get("Content-Type"); strings.Contains(ct, "json") && !json.Valid(w.Body.Bytes()) {
			t.Errorf("query %q: invalid JSON %s", query, w.Body)
		}
	})
}

func TestOutputFieldsRedacted(t *testing.T) {
	r := setup(t, health.WithDetails(func(*http.Request) bool { return true }))
	login := health.CheckFunc(func(context.Context) error {
		return errorsx.Unavailable.New("login failed", "user", "bob", "password", errorsx.Secret("hunter2"))
	})
	if err := r.Register("auth", login, health.Every(time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "first run", func(s *health.Snapshot) bool { return !result(t, s, "auth").Pending })
	var got jsonBody
	if err := json.Unmarshal(serve(r.Handler(health.Readiness), "GET", "/readyz?verbose", nil).Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("login failed (user=bob, password=[REDACTED])", got.Checks["auth:checkDuration"][0].Output); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
}

// Whatever the query, the answer stays small: ?exclude= names are
// deduplicated, at most a few unknown ones are echoed (each cut short),
// and the rest are counted.
func TestHostileExclude(t *testing.T) {
	insider := func(*http.Request) bool { return true }
	_, mux := newMux(t, errDown, health.WithDetails(insider))
	many := make([]string, 50_000)
	for i := range many {
		many[i] = fmt.Sprintf("no-such-check-%d", i)
	}
	long := strings.Repeat("x", 100_000)
	tests := []struct {
		name, query string
		wantNotes   []string
	}{
		{"50,000 names", "exclude=" + strings.Join(many, ","), append(prefixed(many[:10]), "and 49990 more unknown checks in exclude")},
		{"one name repeated", "exclude=" + strings.Repeat("nope,", 50_000) + "&exclude=nope", []string{"unknown check in exclude: nope"}},
		{"known names repeated", "exclude=" + strings.Repeat("db,", 50_000), nil},
		{"a long name", "exclude=" + long, []string{"unknown check in exclude: " + long[:64] + "…"}},
	}
	for _, tt := range tests {
		for _, verbose := range []bool{false, true} {
			t.Run(fmt.Sprint(tt.name, " verbose=", verbose), func(t *testing.T) {
				q := tt.query
				if verbose {
					q += "&verbose"
				}
				w := serve(mux, "GET", "/readyz?"+q, nil)
				if n := w.Body.Len(); n > 4096 {
					t.Errorf("body of %d bytes, want at most 4096", n)
				}
				var notes []string
				if verbose {
					var got jsonBody
					if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
						t.Fatal(err)
					}
					notes = got.Notes
				} else {
					lines := strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n")
					notes = lines[1:]
					if len(notes) == 0 {
						notes = nil
					}
				}
				if diff := cmp.Diff(tt.wantNotes, notes); diff != "" {
					t.Errorf("notes mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "unknown check in exclude: " + n
	}
	return out
}

// A check's error text, however long, is cut in the document.
func TestLongOutputIsCut(t *testing.T) {
	r := setup(t, health.WithDetails(func(*http.Request) bool { return true }))
	long := health.CheckFunc(func(context.Context) error { return errors.New(strings.Repeat("é", 100_000)) })
	if err := r.Register("chatty", long, health.Every(time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, "first run", func(s *health.Snapshot) bool { return !result(t, s, "chatty").Pending })
	w := serve(r.Handler(health.Readiness), "GET", "/readyz?verbose", nil)
	var got jsonBody
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("é", 512) + "…"
	if diff := cmp.Diff(want, got.Checks["chatty:checkDuration"][0].Output); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
}

// Mounting the probes changes nothing on the application's other paths
// (issue 13, point 9): a mux without a "/" handler answers GET / with 404,
// not 405 "Allow: OPTIONS", and the application's own "/" handler gets
// every method, OPTIONS (a CORS preflight) included.
func TestHandleLeavesOtherPathsAlone(t *testing.T) {
	_, bare := newMux(t, nil)
	_, withRoot := newMux(t, nil)
	withRoot.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "app "+r.Method+"\n")
	})
	type reply struct {
		Code  int
		Body  string
		Allow string
	}
	tests := []struct {
		name, method, target string
		mux                  *http.ServeMux
		want                 reply
	}{
		{"GET / without a root handler", "GET", "/", bare, reply{404, "404 page not found\n", ""}},
		{"OPTIONS / without a root handler", "OPTIONS", "/", bare, reply{404, "404 page not found\n", ""}},
		{"POST / without a root handler", "POST", "/", bare, reply{404, "404 page not found\n", ""}},
		{"GET / with the application's handler", "GET", "/", withRoot, reply{200, "app GET\n", ""}},
		{"OPTIONS / with the application's handler", "OPTIONS", "/", withRoot, reply{200, "app OPTIONS\n", ""}},
		{"POST / with the application's handler", "POST", "/", withRoot, reply{200, "app POST\n", ""}},
		{"other path with the application's handler", "DELETE", "/orders/1", withRoot, reply{200, "app DELETE\n", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.mux, tt.method, tt.target, nil)
			got := reply{w.Code, w.Body.String(), w.Header().Get("Allow")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s mismatch (-want +got):\n%s", tt.method, tt.target, diff)
			}
		})
	}
}
