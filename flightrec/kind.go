package flightrec

import "strconv"

// Kind says what triggered a snapshot. Each kind has its own rate limit
// (see [WithRateLimit]), so that a storm of one kind never hides the first
// occurrence of another.
type Kind uint8

// The trigger kinds.
const (
	// KindPanic is a handler (or goroutine) panic that was recovered and
	// reported.
	KindPanic Kind = iota + 1
	// KindError5xx is a handled error answered with a 5xx status and
	// reported.
	KindError5xx
	// KindSlow is a request slower than its threshold (see [Recorder.Slow]).
	KindSlow
	// KindReadiness is readiness turning to fail.
	KindReadiness
	// KindManual is an explicit call, for example from an admin endpoint.
	KindManual

	numKinds = int(KindManual) + 1
)

var kindNames = [numKinds]string{
	KindPanic:     "panic",
	KindError5xx:  "error5xx",
	KindSlow:      "slow",
	KindReadiness: "readiness",
	KindManual:    "manual",
}

// String returns the kind's name as it appears in logs and in the
// snapshot's summary: "panic", "error5xx", "slow", "readiness" or
// "manual".
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

func (k Kind) valid() bool { return k >= KindPanic && k <= KindManual }
