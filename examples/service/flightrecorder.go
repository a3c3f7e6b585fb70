package main

import (
	"os"
	"strconv"
	"time"

	"github.com/supportkit/supportkit"
	"github.com/supportkit/supportkit/flightrec"
)

// demoSlowThreshold is the slow request threshold in -demo, so that its
// slow step (1.2s) crosses it without waiting the default 2s.
const demoSlowThreshold = time.Second

// flightRecorderOptions turns the flight recorder on with
// SUPPORTKIT_FLIGHT_RECORDER=1 (or -flight-recorder), and always in -demo:
// a panic, a 5xx from Fail, a request slower than 2s and readiness
// turning to fail then carry a snapshot of the last seconds (the
// execution trace, the goroutines, the heap) as attachments, each kind at
// most once per 5 minutes.
func flightRecorderOptions(cfg config) []supportkit.Option {
	switch {
	case cfg.demo:
		return []supportkit.Option{supportkit.WithFlightRecorder(flightrec.WithSlowThreshold(demoSlowThreshold))}
	case cfg.flightRecorder:
		return []supportkit.Option{supportkit.WithFlightRecorder()}
	}
	return nil
}

func flightRecorderFromEnv() bool {
	on, _ := strconv.ParseBool(os.Getenv("SUPPORTKIT_FLIGHT_RECORDER"))
	return on
}
