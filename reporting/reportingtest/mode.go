package reportingtest

import (
	"net/http"
	"strconv"
	"time"
)

// Mode is how a [Server] answers: make one with [Up], [Down], [Hang],
// [Slow] or [Status]. The zero Mode is Up.
type Mode struct {
	kind   modeKind
	delay  time.Duration
	code   int // Status; for TooLarge, the size limit
	header http.Header
}

type modeKind uint8

const (
	modeUp modeKind = iota
	modeDown
	modeHang
	modeSlow
	modeStatus
	modeTooLarge
)

// Up answers 200 with {"id":"<event_id>"} and records the envelope, as
// Sentry does when it accepts one.
func Up() Mode { return Mode{kind: modeUp} }

// Down refuses connections: the listener is closed and open connections
// are cut. An envelope recorded before the switch still gets its answer,
// so that what a test saw recorded is what the sender saw acknowledged; a
// request not yet recorded is cut unrecorded. Switching back to any other mode listens again on the same
// address.
func Down() Mode { return Mode{kind: modeDown} }

// Hang accepts connections and reads requests but never answers, until the
// mode changes (the request is then answered as the new mode says), the
// client gives up, or the server is closed.
func Hang() Mode { return Mode{kind: modeHang} }

// Slow answers as [Up] does, d after the request was read. A client that
// gives up before is not recorded.
func Slow(d time.Duration) Mode { return Mode{kind: modeSlow, delay: d} }

// Status answers every request with code and header (429 with Retry-After,
// 413, 401, 500, X-Sentry-Rate-Limits...) and records nothing. code must
// be an HTTP status, 100 to 599; Status panics otherwise.
func Status(code int, header http.Header) Mode {
	if code < 100 || code > 599 {
		panic("reportingtest: Status(" + strconv.Itoa(code) + "): not an HTTP status")
	}
	return Mode{kind: modeStatus, code: code, header: header.Clone()}
}

// TooLarge answers 413 Request Entity Too Large, recording nothing, to an
// envelope of more than maxBytes (gzip undone), and answers smaller ones as
// [Up] does: Sentry's size limits, made small enough to reach in a test.
func TooLarge(maxBytes int) Mode { return Mode{kind: modeTooLarge, code: maxBytes} }

// String names the mode, for test logs: "up", "down", "hang", "slow 2s",
// "status 429".
func (m Mode) String() string {
	switch m.kind {
	case modeDown:
		return "down"
	case modeHang:
		return "hang"
	case modeSlow:
		return "slow " + m.delay.String()
	case modeStatus:
		return "status " + strconv.Itoa(m.code)
	case modeTooLarge:
		return "too large over " + strconv.Itoa(m.code) + " bytes"
	}
	return "up"
}
