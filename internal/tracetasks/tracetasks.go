// Package tracetasks reads, for tests, which runtime/trace task each
// logged ID belongs to in an execution trace: how the flight recorder's
// tests find a request's task by its trace ID.
package tracetasks

import (
	"bytes"
	"errors"
	"io"

	exptrace "golang.org/x/exp/trace"
)

// Read returns, for each message logged under category in the execution
// trace data, the type (the name) of the task it was logged in.
func Read(data []byte, category string) (map[string]string, error) {
	rd, err := exptrace.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	types := map[exptrace.TaskID]string{}
	logged := map[string]exptrace.TaskID{}
	for {
		ev, err := rd.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch ev.Kind() {
		case exptrace.EventTaskBegin:
			types[ev.Task().ID] = ev.Task().Type
		case exptrace.EventLog:
			if l := ev.Log(); l.Category == category {
				logged[l.Message] = l.Task
			}
		}
	}
	tasks := make(map[string]string, len(logged))
	for id, task := range logged {
		tasks[id] = types[task]
	}
	return tasks, nil
}
