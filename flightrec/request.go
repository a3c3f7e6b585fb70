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
// named "request". A traceID that is empty, longer than 64 characters or
// holds anything but letters, digits and dashes is not logged: it may come
// from a client's header.
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
	if validTraceID(traceID) {
		trace.Log(ctx, TraceIDCategory, traceID)
	}
	return ctx, task.End
}

// maxTraceIDLen is longer than any trace ID format in use: W3C and B3 (32
// or 16 hex digits), AWS X-Ray (35 characters with dashes).
const maxTraceIDLen = 64

// validTraceID tells a trace ID from what a client may have put in a
// header: at most 64 letters, digits and dashes. Anything else is not
// logged, so that a request cannot fill the trace window with text of
// its own.
func validTraceID(id string) bool {
	if id == "" || len(id) > maxTraceIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '-':
		default:
			return false
		}
	}
	return true
}
