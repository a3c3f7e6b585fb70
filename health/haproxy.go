package health

import "net/http"

// HAProxyCheck is middleware that answers HAProxy's default health check
// with readiness, and passes every other request to next.
//
// A backend with a plain "option httpchk" sends "OPTIONS / HTTP/1.0" with
// no Host header. Mounting a probe on "OPTIONS /" would take that path
// from the application (its own "/" handler would lose OPTIONS, a mux
// without one would answer GET / with 405), so [Registry.Handle] does
// not, and the best fix is in HAProxy's configuration, which names the
// probe:
//
//	backend app
//	    option httpchk GET /readyz
//	    http-check disable-on-404   # with WithDrainNotFound: drain as NOLB
//
// Where the configuration cannot change, wrap the server's handler:
//
//	srv.Handler = reg.HAProxyCheck(mux)
//
// It answers only requests that no browser or HTTP/1.1 client sends:
// OPTIONS, path "/", no Host header (HTTP/1.1 requires one, and net/http
// rejects an HTTP/1.1 request without it). An OPTIONS / with a Host
// header, a CORS preflight for instance, reaches next.
func (r *Registry) HAProxyCheck(next http.Handler) http.Handler {
	ready := r.Handler(Readiness)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Host == "" && req.Method == http.MethodOptions && req.URL.Path == "/" {
			ready.ServeHTTP(w, req)
			return
		}
		next.ServeHTTP(w, req)
	})
}
