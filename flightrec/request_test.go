package flightrec_test

import (
	"context"
	"testing"

	"github.com/supportkit/supportkit/flightrec"
)

// A recorder that is off adds nothing to a request: the same context, a
// function that does nothing, no allocation.
func TestStartRequestOff(t *testing.T) {
	off, err := flightrec.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := off.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, r := range map[string]*flightrec.Recorder{"nil": nil, "shut down": off} {
		n := testing.AllocsPerRun(1000, func() {
			got, end := r.StartRequest(ctx, "GET /orders/{id}", "4bf92f3577b34da6a3ce929d0e0e4736")
			end()
			if got != ctx {
				t.Errorf("%s: StartRequest returned a new context", name)
			}
		})
		if n != 0 {
			t.Errorf("%s: StartRequest allocates %v times, want 0", name, n)
		}
	}
}

// An empty route still opens a task, named "request", and an empty trace
// ID logs nothing.
func TestStartRequestUnnamed(t *testing.T) {
	r := setup(t)
	ctx, end := r.StartRequest(context.Background(), "", "")
	end()
	if ctx == context.Background() {
		t.Fatal("StartRequest did not open a task")
	}
	ctx, end = r.StartRequest(context.Background(), "", "0af7651916cd43dd8448eb211c80319c")
	end()
	s := r.Trigger(flightrec.KindManual, "unnamed")
	tasks := traceTasks(t, attachment(t, s, "trace-", ".out").Data)
	if got := tasks["0af7651916cd43dd8448eb211c80319c"]; got != "request" {
		t.Errorf("task type = %q, want %q", got, "request")
	}
	if _, ok := tasks[""]; ok {
		t.Error("an empty trace ID was logged")
	}
}
