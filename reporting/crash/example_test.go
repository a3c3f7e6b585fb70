package crash_test

import (
	"context"
	"fmt"
	"time"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/crash"
)

// A program starts the monitor first thing in main, and returns at once
// when Setup says this process is the monitor. (This example has no
// output: running it would start a monitor.)
func ExampleSetup() {
	mon, err := crash.Setup(context.Background(),
		crash.WithReporting(reporting.WithEnvironment("production")),
		crash.WithTags(map[string]string{"service": "orders"}),
		crash.WithTimeout(10*time.Second))
	if mon.IsMonitor() {
		return // the application has exited; its crash, if any, was reported
	}
	if err != nil {
		fmt.Println("crashes will not be reported:", err)
	}
	// Optional (the monitor exits with the application anyway), and
	// harmless when Setup failed: Shutdown on a nil Monitor does nothing.
	defer mon.Shutdown(context.Background())
	// ... the application.
}

// Parse reads what the runtime printed when a program crashed.
func ExampleParse() {
	output := `panic: order 42: inventory unavailable [recovered]
	panic: reserve failed

goroutine 7 [running]:
main.reserve(0x2a)
	/src/shop/main.go:31 +0x45
main.worker()
	/src/shop/main.go:20 +0x1f
created by main.main in goroutine 1
	/src/shop/main.go:12 +0x1a
`
	r, err := crash.Parse([]byte(output))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Kind+":", r.Message)
	for _, p := range r.Panics {
		fmt.Printf("  panic %q recovered=%v\n", p.Value, p.Recovered)
	}
	g := r.Crashed()
	fmt.Printf("goroutine %d [%s], created by %s in goroutine %d\n", g.ID, g.State, g.CreatedBy.Function, g.CreatorID)
	for _, f := range g.Frames {
		fmt.Printf("  %s %s:%d\n", f.Function, f.File, f.Line)
	}
	ev := r.Event()
	ex := ev.Exception[len(ev.Exception)-1]
	fmt.Println("event:", ev.Level, ex.Type, "handled:", *ex.Mechanism.Handled)
	// Output:
	// panic: reserve failed
	//   panic "order 42: inventory unavailable" recovered=true
	//   panic "reserve failed" recovered=false
	// goroutine 7 [running], created by main.main in goroutine 1
	//   main.reserve /src/shop/main.go:31
	//   main.worker /src/shop/main.go:20
	// event: fatal panic handled: false
}
