//go:build race

package tracing

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts that go through one (log/slog's buffers) vary.
const raceEnabled = true
