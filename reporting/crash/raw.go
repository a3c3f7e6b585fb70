package crash

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/supportkit/supportkit/reporting"
)

// The raw crash files. The runtime writes the crash output straight into
// a file ([debug.SetCrashOutput]) before the process exits, so that a
// monitor killed right after its application died (by the kernel, when
// the init of a container exits and takes its PID namespace with it)
// leaves the crash on disk. A monitor that reads a pipe instead loses the
// race: the kernel kills it before it is scheduled to read (see
// TestE2ECrashInContainer). Each application run has one file:
//
//	<outbox dir>/crashes/<unix nanoseconds>-<application PID>-<event ID>.crash
//
// created by the application in [Setup] and handed to the runtime and to
// the monitor as an open descriptor, under an exclusive flock that lives
// as long as either process does: a free lock is how a later monitor knows
// that the file's application and monitor are both dead (process IDs
// repeat, in containers at every start). What the runtime writes is not
// bounded (it is what standard error gets); a monitor reads the first
// maxOutput bytes and cuts the file there. The event ID
// in the name is the one the event is reported under, from the live
// monitor or from a later one, so that Sentry drops a duplicate if a
// monitor was killed between sending and removing the file.

// rawSuffix ends the names of raw crash files.
const rawSuffix = ".crash"

// maxLeftovers bounds the raw crash files a monitor keeps for later:
// beyond it, the oldest are removed.
const maxLeftovers = 16

// unfinishedAge is how old a file of the crashes directory without a raw
// crash file's name must be before it is removed: younger, it may be an
// application's between its creation and its lock.
const unfinishedAge = time.Minute

// rawFileVariable names, in the monitor's environment, the raw crash file
// the application created and passed as descriptor 3.
const rawFileVariable = "SUPPORTKIT_CRASH_RAW_FILE"

// rawDirOf is the directory of the raw crash files: "crashes" in the
// outbox directory of opts.
func rawDirOf(opts config) (string, error) {
	dir, err := outboxDirOf(opts)
	if err != nil {
		return "", err
	}
	if dir == "" {
		return "", errors.New("crash: no outbox directory (reporting.WithTransport): raw crash output is not kept")
	}
	return filepath.Join(dir, "crashes"), nil
}

// outboxDirOf resolves the outbox directory the monitor's reporter uses.
// It is the one place the crash package learns where the outbox is.
func outboxDirOf(opts config) (string, error) {
	return reporting.OutboxDirOf(opts.reporting...)
}

// createRaw creates and locks the raw crash file of a run of application
// appPID in dir. The file gets its final name only once locked, so that no
// other monitor ever sees it unlocked. It returns the open file and its
// final name.
func createRaw(dir string, appPID int) (*os.File, string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*os.File, string, error) {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, "", err
	}
	if err := lockFile(f, true); err != nil {
		return fail(err)
	}
	name := filepath.Join(dir, fmt.Sprintf("%020d-%d-%s%s", time.Now().UnixNano(), appPID, newEventID(), rawSuffix))
	if err := os.Rename(f.Name(), name); err != nil {
		return fail(err)
	}
	return f, name, nil
}

// rawName is what a raw crash file's name says.
type rawName struct {
	appPID  int
	eventID string
	created time.Time // when the application created it, in Setup
}

func parseRawName(base string) (rawName, bool) {
	s, ok := strings.CutSuffix(base, rawSuffix)
	if !ok {
		return rawName{}, false
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 20 || len(parts[2]) != 32 {
		return rawName{}, false
	}
	ns, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || ns < 0 {
		return rawName{}, false
	}
	// Only the canonical spelling that createRaw writes.
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 || strconv.Itoa(pid) != parts[1] {
		return rawName{}, false
	}
	if id, err := hex.DecodeString(parts[2]); err != nil || hex.EncodeToString(id) != parts[2] {
		return rawName{}, false
	}
	return rawName{appPID: pid, eventID: parts[2], created: time.Unix(0, ns)}, true
}

// newEventID returns 32 random hex digits, a Sentry event ID.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// readRaw reads the first maxOutput bytes of a raw crash file and cuts
// the file there (the runtime wrote all it printed), and returns its
// modification time, the end of the crash. It reads at offset 0 without
// moving the file's offset, which it shares with the runtime's copy.
func readRaw(f *os.File) ([]byte, time.Time, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	size := min(info.Size(), maxOutput)
	data := make([]byte, size)
	n, err := f.ReadAt(data, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return data[:n], info.ModTime(), err
	}
	if info.Size() > maxOutput {
		_ = f.Truncate(maxOutput)
	}
	return data[:n], info.ModTime(), nil
}

// leftover is a raw crash file whose monitor is dead, locked by this
// process.
type leftover struct {
	f    *os.File
	path string
	name rawName
	ok   bool // the name parsed
}

// claimLeftovers locks the raw crash files in dir that no live monitor
// holds (skipping own, this monitor's), oldest first. A file removed or
// replaced between listing and locking is skipped: another monitor
// claimed it.
func claimLeftovers(dir, own string) []leftover {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	sort.Slice(des, func(i, j int) bool { return des[i].Name() < des[j].Name() })
	var out []leftover
	for _, de := range des {
		path := filepath.Join(dir, de.Name())
		if !de.Type().IsRegular() || path == own {
			continue
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if lockFile(f, false) != nil {
			_ = f.Close() // a live monitor's
			continue
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			_ = f.Close()
			continue
		}
		n, ok := parseRawName(de.Name())
		out = append(out, leftover{f: f, path: path, name: n, ok: ok})
	}
	return out
}

// recoverLeftovers reports the crashes that dead monitors left in dir
// (see claimLeftovers), each as the live monitor would have, with the
// file's modification time (its last write) as the time of the crash,
// and removes each file once its event is delivered or in the outbox.
// Files that cannot make an event (empty, unfinished, misnamed) are
// removed with a log line, as are the oldest beyond maxLeftovers; a file
// whose event could not be delivered stays for the next monitor, and so do
// the ones after it, so that a broken disk costs one timeout. report
// delivers one event; it is persistEvent outside tests.
func recoverLeftovers(ctx context.Context, dir, own string, timeout time.Duration, log *zap.Logger,
	report func(context.Context, []byte, time.Time, rawName) (delivery, error)) {
	files := claimLeftovers(dir, own)
	defer func() {
		for _, l := range files {
			_ = l.f.Close()
		}
	}()
	drop := func(l leftover, why string) {
		_ = os.Remove(l.path)
		log.Warn("crash monitor: raw crash file removed: "+why, zap.String("file", l.path))
	}
	var good []leftover
	for _, l := range files {
		if !l.ok {
			if info, err := l.f.Stat(); err == nil && time.Since(info.ModTime()) < unfinishedAge {
				continue // an application between creating and locking it
			}
			drop(l, "not a crash file of a finished start (a monitor died while creating it, or the name is foreign)")
			continue
		}
		good = append(good, l)
	}
	for len(good) > maxLeftovers {
		drop(good[0], fmt.Sprintf("more than %d crashes wait to be reported; the oldest is dropped", maxLeftovers))
		good = good[1:]
	}
	for _, l := range good {
		data, mtime, err := readRaw(l.f)
		if err != nil {
			log.Warn("crash monitor: raw crash file unreadable; left for a later start", zap.String("file", l.path), zap.Error(err))
			continue
		}
		if len(data) == 0 {
			drop(l, "empty (the application exited without crashing while its monitor was dead, or the monitor died before reading anything)")
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		res, err := report(rctx, data, mtime, l.name)
		cancel()
		if err != nil {
			log.Error("crash monitor: a crash left by an earlier monitor could not be delivered; left for a later start",
				zap.String("file", l.path), zap.Error(err))
			return // the disk or the reporter is broken: the others wait too
		}
		_ = os.Remove(l.path)
		if res.inProcess {
			log.Info("crash monitor: already reported in-process as "+res.eventID+"; no crash event sent",
				zap.Bool("recovered", true), zap.String("file", l.path), zap.Int("crashed_pid", l.name.appPID),
				zap.String("event_id", res.eventID), zap.String("crash", res.title))
			continue
		}
		log.Info("crash reported",
			zap.Bool("recovered", true),
			zap.String("file", l.path),
			zap.Int("crashed_pid", l.name.appPID),
			zap.String("event_id", res.eventID),
			zap.String("delivered_to", res.deliveredTo),
			zap.String("outbox", res.outbox),
			zap.String("crash", res.title))
	}
}
