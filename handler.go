package supportkit

import (
	"net/http"
	"strings"
)

// probePaths are the probe endpoints [Service.Handler] answers itself.
var probePaths = [...]string{"/livez", "/readyz", "/startupz", "/healthz"}

// Handler wraps the application's handler h (usually its
// *http.ServeMux) for the request path:
//
//   - the tracing middleware outside: a span per request, named by the
//     route the mux matched ("GET /orders/{id}", panicking requests
//     too), the trace ID in the context;
//   - the metrics middleware inside it: the request's duration by route,
//     method, status and error code (a panic: "internal"), with the
//     trace as the exemplar;
//   - the reporting middleware inside that: a hub per request, panics
//     recovered, reported with the request's trace and answered 500
//     problem+json with the event ID as the reference;
//   - with [WithFlightRecorder], inside that, a runtime/trace task per
//     request named by the route h will match (h's own, when h is an
//     *http.ServeMux; the method otherwise) and the slow request check;
//   - in front of both, the probe endpoints /livez, /readyz, /startupz
//     and /healthz (and /<probe>/<check>), untraced, so that load
//     balancers polling hard cost no span and no hub; every other path,
//     "/" included, is the application's ([WithoutProbes] leaves them out).
//
// The order matters and is fixed here: with reporting outside tracing, a
// panic would be reported outside the span and its event would lose the
// trace.
func (s *Service) Handler(h http.Handler) http.Handler {
	if s.flight != nil {
		h = s.flightMiddleware(h) // WithFlightRecorder: request tasks, slow requests
	}
	h = s.metrics.MarkPanics()(h) // a panic reporting recovers is counted as "internal"
	app := s.tracing.Middleware()(s.metrics.Middleware()(s.rep.Middleware(h)))
	if s.cfg.noProbes || s.health == nil {
		return app
	}
	probes := http.NewServeMux()
	s.health.Handle(probes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isProbe(r.URL.Path) {
			probes.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	})
}

// isProbe reports whether path is a probe endpoint or a check under one.
func isProbe(path string) bool {
	if len(path) < len("/livez") || path[0] != '/' {
		return false
	}
	for _, p := range probePaths {
		if strings.HasPrefix(path, p) && (len(path) == len(p) || path[len(p)] == '/') {
			return true
		}
	}
	return false
}
