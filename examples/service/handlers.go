package main

import (
	"encoding/json"
	"net/http"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/errorsx"
)

// app holds what the handlers share.
type app struct {
	sk     *supportkit.Service
	orders map[string]order
}

type order struct {
	ID       string `json:"id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

func (a *app) routes(mux *http.ServeMux, dep *fakeDependency) {
	mux.HandleFunc("GET /hello", a.hello)
	mux.HandleFunc("GET /orders/{id}", a.getOrder)
	mux.HandleFunc("GET /slow", a.slow)
	// Prometheus scrapes here (untraced, unmeasured). A service on the
	// internet would serve it on an internal listener instead.
	mux.Handle("GET /metrics", a.sk.Metrics().Handler())
	a.failureRoutes(mux)
	a.crashRoutes(mux)
	a.adminRoutes(mux, dep)
}

func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "hello"})
}

func (a *app) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := a.findOrder(r.PathValue("id"))
	if err != nil {
		// One call leaves the whole record: a warn log line with the
		// error's code and fields, the span, and the problem+json answer
		// with the trace ID as the reference (a 5xx is also reported).
		a.sk.Fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (a *app) findOrder(id string) (order, error) {
	o, ok := a.orders[id]
	if !ok {
		return order{}, errorsx.NotFound.New("order not found", "order_id", id,
			errorsx.Public("There is no order with this ID."))
	}
	return o, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
