package flightrec_test

import (
	"context"
	"strings"
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

// An empty route still opens a task, named "request"; a trace ID is
// logged only when it looks like one, since it may come from a header.
func TestStartRequestTraceIDs(t *testing.T) {
	r := setup(t)
	ids := map[string]bool{
		"0af7651916cd43dd8448eb211c80319c":    true, // W3C
		"a3ce929d0e0e4736":                    true, // B3, 64 bits
		"1-5759e988-bd862e3fe1be46a994272793": true, // AWS X-Ray
		strings.Repeat("a", 64):               true,
		strings.Repeat("a", 65):               false,
		"":                                    false,
		"4bf92f35 77b34da6":                   false,
		"4bf92f35\n77b34da6":                  false,
		"<script>":                            false,
		"ünïcode":                             false,
	}
	for id := range ids {
		ctx, end := r.StartRequest(context.Background(), "", id)
		end()
		if ctx == context.Background() {
			t.Fatal("StartRequest did not open a task")
		}
	}
	s := r.Trigger(flightrec.KindManual, "trace IDs")
	tasks := traceTasks(t, attachment(t, s, "trace-", ".out").Data)
	for id, want := range ids {
		task, logged := tasks[id]
		if logged != want {
			t.Errorf("trace ID %q logged: %v, want %v", id, logged, want)
		}
		if logged && task != "request" {
			t.Errorf("trace ID %q: task type = %q, want %q", id, task, "request")
		}
	}
}
