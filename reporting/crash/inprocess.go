package crash

import (
	"time"

	"github.com/supportkit/supportkit/reporting"
	"github.com/supportkit/supportkit/reporting/outbox"
)

// One failure, one event. A goroutine started with reporting.Go and
// RePanic reports its panic in-process (the event is in the outbox before
// the panic resumes, marked with the reporting.RePanicContext: the
// process ID and the panic value as the runtime prints it), then panics
// again with the same value; the runtime prints the crash with
// "[recovered, repanicked]", which the monitor reads. The monitor then
// sends nothing of its own and logs "already reported in-process as <id>":
// the in-process event has the stack of the panic site, the request and
// breadcrumbs of the goroutine, which the crash output has not; the
// monitor's only addition would be the other goroutines, and merging them
// in means rewriting an envelope that the application's sender may be
// sending at that very moment (it is claimed into .claimed/ while in
// flight), so two writers would race over one file.
//
// The marker is looked for where the application's reporter may have left
// the event: pending in the outbox, or claimed by its sender (the process
// died while sending; the next start sends it). If the sender had already
// delivered and removed it in the instant between the write and the
// crash, the monitor finds nothing and the crash is reported twice:
// never lost.

// inProcessWindow is how long before the crash (and, for clocks, after)
// an envelope's write may be for it to be the crash's in-process report.
// RePanic writes it just before the panic resumes; the slack covers a
// busy machine and the time the runtime takes to print the crash.
const (
	inProcessBefore = 30 * time.Second
	inProcessAfter  = 5 * time.Second
)

// maxInProcessCandidates bounds the envelopes read for one crash: only
// those written within the window are, and they are few unless the
// application was failing in a storm.
const maxInProcessCandidates = 64

// reportedInProcess returns the ID of the event in the outbox dir that
// the application appPID wrote for the panic that crashed it at the time
// at, or "" when there is none: when the crash is not a re-panicked panic,
// or nothing in the window carries the marker with appPID and the
// printed panic value.
func reportedInProcess(dir string, r *Report, appPID int, at time.Time) string {
	if appPID <= 0 || r.Kind != KindPanic || len(r.Panics) == 0 || !r.Panics[len(r.Panics)-1].Repanicked {
		return ""
	}
	if at.IsZero() {
		at = time.Now()
	}
	for _, data := range outbox.Written(dir, at.Add(-inProcessBefore), at.Add(inProcessAfter), maxInProcessCandidates) {
		if id := markedFor(data, r.Message, appPID); id != "" {
			return id
		}
	}
	return ""
}

// markedFor returns the event ID of the envelope data if its event
// carries the re-panic marker of process pid and of the panic value
// printed (a marker without a value, for a value the runtime prints as an
// address, matches any).
func markedFor(data []byte, printed string, pid int) string {
	env, err := outbox.Parse(data)
	if err != nil {
		return ""
	}
	evs, _ := env.Events()
	for _, ev := range evs {
		c := ev.Contexts[reporting.RePanicContext]
		if c == nil {
			continue
		}
		p, _ := c["pid"].(float64)
		v, _ := c["value"].(string)
		if int(p) == pid && (v == "" || v == printed) {
			return string(ev.EventID)
		}
	}
	return ""
}
