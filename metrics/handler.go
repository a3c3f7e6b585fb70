package metrics

import (
	"net/http"
)

// Handler returns the Prometheus endpoint: mount it where the scraper
// looks, on the application's mux or on an internal listener,
//
//	mux.Handle("GET /metrics", prov.Handler())
//
// It shows the service's routes, error rates, host name and resource
// attributes, and sampled trace IDs: where the public can reach the mux,
// prefer an internal listener.
//
// It answers in the OpenMetrics text format when the scraper asks for it
// (Prometheus does), which is the format that carries exemplars, and in
// Prometheus' classic text format otherwise. Metric names follow
// Prometheus' conventions (http.server.request.duration becomes
// http_server_request_duration_seconds); the resource's attributes are in
// target_info.
//
// The Prometheus reader exists unless OTEL_METRICS_EXPORTER names other
// exporters and not prometheus (then [WithPrometheus] keeps it), so the
// handler works by default: mounting it is the application's explicit
// choice, and a pull reader connects to nothing and logs nothing. Without
// the reader, or when metrics are off, the handler answers 200 with no
// series and one comment line saying why, so that a scrape target does
// not turn into a false "down" alert.
func (p *Provider) Handler() http.Handler {
	why := "no Provider"
	if p != nil {
		if p.prom != nil {
			return p.prom
		}
		why = p.noProm
	}
	body := []byte("# supportkit metrics: no series, " + why + "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(body)
	})
}
