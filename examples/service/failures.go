package main

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/errorsx"
	"github.com/supportkit/supportkit/reporting"
)

// failureRoutes registers one endpoint per kind of failure, so that you
// can see what a support engineer gets for each:
//
//	GET /fail              a dependency fails: 500 problem+json whose
//	                       reference_id is the Sentry event's ID
//	GET /panic             the handler panics: the middleware answers 500
//	                       problem+json with the event ID
//	GET /panic/goroutine   202 at once; a background goroutine then panics,
//	                       and the panic is reported (the service carries on)
func (a *app) failureRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /fail", a.failDependency)
	mux.HandleFunc("GET /panic", a.panicHandler)
	mux.HandleFunc("GET /panic/goroutine", a.panicGoroutine)
}

func (a *app) failDependency(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a.sk.Log(ctx).Info("checking stock", zap.String("dependency", "inventory"))
	if err := checkStock(ctx, "coffee"); err != nil {
		a.sk.Fail(w, r, errorsx.Internal.Wrap(err, "check stock"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"stock": "ok"})
}

// checkStock stands for a call to a dependency that is down.
func checkStock(ctx context.Context, item string) error {
	return errorsx.Unavailable.New("inventory service refused the connection",
		"dependency", "inventory", "item", item)
}

func (a *app) panicHandler(w http.ResponseWriter, r *http.Request) {
	a.sk.Log(r.Context()).Info("rendering order summary")
	var o *order // a bug: the order was never loaded
	writeJSON(w, http.StatusOK, orderSummary(o))
}

func orderSummary(o *order) map[string]any {
	return map[string]any{"item": o.Item, "quantity": o.Quantity} // nil pointer dereference
}

func (a *app) panicGoroutine(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a.sk.Log(ctx).Info("starting index rebuild")
	// The goroutine outlives the request: keep its values, drop its
	// cancellation.
	reporting.Go(context.WithoutCancel(ctx), a.rebuildIndex)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "rebuilding"})
}

func (a *app) rebuildIndex(ctx context.Context) {
	a.sk.Log(ctx).Info("rebuilding search index")
	panic("search index corrupted: cannot rebuild")
}
