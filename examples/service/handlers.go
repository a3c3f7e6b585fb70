package main

import (
	"encoding/json"
	"net/http"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
)

// app holds what the handlers share.
type app struct {
	log    *zap.Logger
	orders map[string]order
}

type order struct {
	ID       string `json:"id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

func (a *app) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /hello", a.hello)
	mux.HandleFunc("GET /orders/{id}", a.getOrder)
	mux.HandleFunc("GET /slow", a.slow)
	a.failureRoutes(mux)
	a.crashRoutes(mux)
}

func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "hello"})
}

func (a *app) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := a.findOrder(r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
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

// fail answers a request that failed with err as problem+json and logs the
// error once, with its code, fields and stack.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	level := zap.WarnLevel
	var ref string
	if errorsx.CodeOf(err).HTTPStatus() >= 500 {
		level = zap.ErrorLevel
		ref = report(ctx, err) // the event ID, when reporting is wired
	}
	if ref == "" {
		ref = traceID(ctx)
	}
	fields := append(logFields(ctx),
		zap.String("method", r.Method),
		zap.String("path", r.URL.Path),
		zap.String("reference_id", ref),
		errorsx.Zap(err))
	a.log.Log(level, "request failed", fields...)
	errorsx.WriteProblem(w, r, err, ref)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
