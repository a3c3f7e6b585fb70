// Command readmeexample is the crash monitor snippet of the README
// (section "Fatal crashes: reporting/crash") as written: package crash's
// TestReadmeSnippet checks that its main is the README's block, word for
// word, and runs it; TestE2EReadmeSnippetAsPID1 runs it as PID 1 of a PID
// namespace, where Setup refuses to start a monitor.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/supportkit/supportkit/reporting/crash"
)

func main() {
	mon, err := crash.Setup(context.Background(), crash.WithTags(map[string]string{"service": "orders"}))
	if mon.IsMonitor() {
		return // this process was the monitor, and the application has exited
	}
	if err != nil {
		log.Printf("crash monitor not started: %v", err) // the application runs anyway
	}
	defer mon.Shutdown(context.Background()) // does nothing if Setup failed
	run()
}

func run() { fmt.Println("the application ran") }
