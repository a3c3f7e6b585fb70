package reporting

import (
	"fmt"
	"os"
	"strconv"

	"github.com/getsentry/sentry-go"
)

// RePanicContext names the context that marks the event of a panic that
// [Go] reported in-process and then raised again ([RePanic]), so that the
// crash monitor, which reads the same panic from the runtime's crash
// output when the process dies of it, can tell that the failure is
// already reported and send no second event. Its fields:
//
//	"pid":   the reporting process's ID (a number)
//	"value": the panic value as the Go runtime prints it on a crash
//	         ("" when the runtime prints an address instead of the value)
const RePanicContext = "go_repanic"

// markRePanic puts the [RePanicContext] on hub's scope; hub is the
// goroutine's own (a clone), so the mark goes on this event only.
func markRePanic(hub *sentry.Hub, v any) {
	hub.Scope().SetContext(RePanicContext, sentry.Context{
		"pid":   os.Getpid(),
		"value": printedPanicValue(v),
	})
}

// printedPanicValue is v as the runtime prints it after "panic: " for the
// types whose text it prints (runtime.printpanicval): an error's Error(),
// a Stringer's String(), strings and integers as they are. For other
// values the runtime prints a type and an address, which the process
// cannot predict: "".
func printedPanicValue(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	case string:
		return v
	case int:
		return strconv.FormatInt(int64(v), 10)
	case int8:
		return strconv.FormatInt(int64(v), 10)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint:
		return strconv.FormatUint(uint64(v), 10)
	case uint8:
		return strconv.FormatUint(uint64(v), 10)
	case uint16:
		return strconv.FormatUint(uint64(v), 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}
