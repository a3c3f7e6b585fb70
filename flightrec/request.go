package flightrec

import (
	"context"
	"runtime/trace"
)

// TraceIDCategory is the runtime/trace log category under which
// [Recorder.StartRequest] records a request's trace ID; `go tool trace`
// shows it among the task's events.
const TraceIDCategory = "trace_id"

func noop() {}

// StartRequest opens a runtime/trace task for a request, so that `go tool
// trace` shows its goroutines, regions and logs under the route's name,
// and logs traceID in it (category [TraceIDCategory]) so that the request
// a report names can be found in the window. Call the returned function
// when the request ends, and pass the returned context on, so that the
// request's regions and its goroutines' work belong to the task.
//
// route names the task type: pass the route's pattern ("GET /orders/{id}"),
// not the request's path, because trace tools expect few task types. The
// name is fixed when the task opens, so a middleware outside the mux asks
// the mux for it up front (_, route := mux.Handler(r)). An empty route is
// named "request"; an empty traceID is not logged.
//
// When the recorder is not tracing (nil, shut down, or running without an
// execution trace), StartRequest returns ctx itself and a function that
// does nothing, without allocating.
func (r *Recorder) StartRequest(ctx context.Context, route, traceID string) (context.Context, func()) {
	if !r.Tracing() {
		return ctx, noop
	}
	if route == "" {
		route = "request"
	}
	ctx, task := trace.NewTask(ctx, route)
	if traceID != "" {
		trace.Log(ctx, TraceIDCategory, traceID)
	}
	return ctx, task.End
}
