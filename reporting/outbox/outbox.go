package outbox

import (
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/supportkit/supportkit/errorsx"
)

// Suffix is the file name suffix of envelopes in an outbox.
const Suffix = ".envelope"

// Names of the outbox's own entries inside its directory.
const (
	claimedDir  = ".claimed"
	ownersDir   = ".owners"
	rejectedDir = "rejected"
	tmpPrefix   = ".tmp-"
	reasonExt   = ".reason"
)

// Defaults of [Options].
const (
	DefaultMaxBytes         = 16 << 20
	DefaultMaxEnvelopeBytes = 1 << 20
	DefaultRejectedMaxBytes = 1 << 20
)

// maxReasonBytes bounds the reason stored beside a rejected envelope.
const maxReasonBytes = 4 << 10

// staleTmpAge is how old a temporary file must be before Open and Rescan
// remove it as left behind by a crashed writer; a live writer holds one
// for microseconds.
const staleTmpAge = 10 * time.Minute

// ErrTooLarge is returned (wrapped) by [Outbox.Write] and [Outbox.Replace]
// for an envelope larger than [Options.MaxEnvelopeBytes]: the caller trims
// it (drops breadcrumbs, attachments) and tries again.
var ErrTooLarge = errors.New("outbox: envelope is larger than MaxEnvelopeBytes")

// ErrClosed is returned by the methods of an [Outbox] that has been closed.
var ErrClosed = errors.New("outbox: closed")

// ErrNotClaimed is returned by Done, Release, Replace and Reject for a
// [Claim] that is not live: already settled, put back by Close, lost with
// a removed directory, or of another Outbox.
var ErrNotClaimed = errors.New("outbox: not a live claim of this outbox")

// Options bound an [Outbox]. The zero value means the defaults.
type Options struct {
	// MaxBytes bounds the total size of the pending envelopes; writing
	// past it evicts the oldest. 0 means 16 MiB; < 0 is an error.
	MaxBytes int64
	// MaxEnvelopeBytes bounds one envelope: a larger one is refused by
	// Write with ErrTooLarge, and one found on disk is quarantined. 0
	// means 1 MiB (or MaxBytes when that is smaller); < 0 or > MaxBytes is
	// an error.
	MaxEnvelopeBytes int64
	// RejectedMaxBytes bounds rejected/, envelopes and reasons together;
	// the oldest rejected are removed. 0 means 1 MiB; < 0 is an error.
	RejectedMaxBytes int64
}

func (opts Options) resolve() (Options, error) {
	switch {
	case opts.MaxBytes < 0:
		return opts, errorsx.InvalidArgument.Errorf("outbox: Options.MaxBytes is negative: %d", opts.MaxBytes)
	case opts.MaxEnvelopeBytes < 0:
		return opts, errorsx.InvalidArgument.Errorf("outbox: Options.MaxEnvelopeBytes is negative: %d", opts.MaxEnvelopeBytes)
	case opts.RejectedMaxBytes < 0:
		return opts, errorsx.InvalidArgument.Errorf("outbox: Options.RejectedMaxBytes is negative: %d", opts.RejectedMaxBytes)
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxEnvelopeBytes == 0 {
		opts.MaxEnvelopeBytes = min(DefaultMaxEnvelopeBytes, opts.MaxBytes)
	}
	if opts.MaxEnvelopeBytes > opts.MaxBytes {
		return opts, errorsx.InvalidArgument.Errorf("outbox: Options.MaxEnvelopeBytes %d exceeds MaxBytes %d",
			opts.MaxEnvelopeBytes, opts.MaxBytes)
	}
	if opts.RejectedMaxBytes == 0 {
		opts.RejectedMaxBytes = DefaultRejectedMaxBytes
	}
	return opts, nil
}

// Stats counts what an [Outbox] holds and what it did in this process.
type Stats struct {
	Files int   // pending envelopes (not those claimed by this Outbox)
	Bytes int64 // their total size

	Written     int64 // envelopes written by Write
	Evicted     int64 // pending envelopes removed to make room
	Delivered   int64 // claims marked Done
	Rejected    int64 // claims moved to rejected/ by Reject
	Quarantined int64 // files found too large, unreadable or misnamed, moved to rejected/ or removed
	Recovered   int64 // claims of dead owners moved back to pending
}

type state uint8

const (
	statePending state = iota
	stateClaimed       // by this Outbox
	stateSkipped       // pending, but its header's destination does not match its name: never claimed
)

// entry is one envelope of the index.
type entry struct {
	name  string
	tag   string
	size  int64
	state state
	// written is true for an envelope this Outbox wrote, false for one
	// found on disk (at Open or by a Rescan): left by an earlier run or
	// written by another process.
	written bool
	all     *list.Element // in Outbox.order
	inTag   *list.Element // in Outbox.tags[tag].order
}

// tagQueue holds the envelopes of one destination, oldest first.
type tagQueue struct {
	order *list.List
	files int   // pending
	bytes int64 // pending
}

// sysHooks are the file system calls that tests observe or break.
type sysHooks struct {
	readDir func(dir string) ([]os.DirEntry, error)
	write   func(f *os.File, b []byte) (int, error)
}

var defaultSys = sysHooks{
	readDir: os.ReadDir,
	write:   (*os.File).Write,
}

// Outbox is a directory of Sentry envelopes waiting to be delivered; see
// the package documentation for its layout and guarantees. It is safe for
// concurrent use, and several processes may share one directory.
type Outbox struct {
	dir   string
	opts  Options
	owner string
	sys   sysHooks

	mu       sync.Mutex
	closed   bool
	lock     *os.File
	entries  map[string]*entry
	order    *list.List // all entries, oldest first
	tags     map[string]*tagQueue
	files    int
	bytes    int64
	lastTS   int64
	rejected []rejectedFile // oldest first
	rejBytes int64
	stats    Stats
}

type rejectedFile struct {
	name string
	size int64 // of the envelope and its reason
}

// Open opens the outbox in dir, creating dir (mode 0700) if needed. It
// takes this Outbox's owner lock, moves the claims of dead owners back to
// pending, quarantines files that could evict real envelopes, and reads
// the directory once to build its index. Close releases what Open took.
func Open(dir string, opts Options) (*Outbox, error) {
	opts, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errorsx.InvalidArgument.New("outbox: directory is empty")
	}
	dir = filepath.Clean(dir)
	owner, err := newOwner()
	if err != nil {
		return nil, err
	}
	o := &Outbox{
		dir:     dir,
		opts:    opts,
		owner:   owner,
		sys:     defaultSys,
		entries: map[string]*entry{},
		order:   list.New(),
		tags:    map[string]*tagQueue{},
	}
	if err := o.makeDirs(); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.rescanLocked(); err != nil {
		o.unlockOwner()
		return nil, errorsx.Wrap(err, "outbox: directory "+dir+" cannot be read", "dir", dir)
	}
	return o, nil
}

func newOwner() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errorsx.Internal.Wrap(err, "outbox: no randomness for the owner name")
	}
	return hex.EncodeToString(b[:]), nil
}

// makeDirs creates the outbox tree, checks that it is writable and takes
// the owner lock.
func (o *Outbox) makeDirs() error {
	for _, d := range []string{o.dir, filepath.Join(o.dir, ownersDir), filepath.Join(o.dir, rejectedDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return errorsx.FailedPrecondition.Wrap(err, "outbox: directory "+o.dir+" cannot be created", "dir", o.dir)
		}
	}
	f, err := os.CreateTemp(o.dir, tmpPrefix+"probe-*")
	if err != nil {
		return errorsx.FailedPrecondition.Wrap(err, "outbox: directory "+o.dir+" is not writable", "dir", o.dir)
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
	lock, err := lockOwner(filepath.Join(o.dir, ownersDir), o.owner)
	if err != nil {
		return errorsx.FailedPrecondition.Wrap(err, "outbox: owner lock in "+o.dir+" cannot be taken", "dir", o.dir)
	}
	if o.lock != nil {
		_ = o.lock.Close()
	}
	o.lock = lock
	// Only now, with the lock held: a claimed area without a locked lock
	// file is a dead owner's.
	if err := os.MkdirAll(o.claimDir(), 0o700); err != nil {
		return errorsx.FailedPrecondition.Wrap(err, "outbox: directory "+o.dir+" cannot be created", "dir", o.dir)
	}
	return nil
}

func (o *Outbox) unlockOwner() {
	if o.lock != nil {
		_ = os.Remove(lockPath(filepath.Join(o.dir, ownersDir), o.owner))
		_ = o.lock.Close()
		o.lock = nil
	}
}

func (o *Outbox) claimDir() string { return filepath.Join(o.dir, claimedDir, o.owner) }

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// Write stores one envelope for dest (a [Destination]; "" stores it as
// local only, which the sender never claims) and returns its file name.
// Its cost does not depend on the backlog: it keeps running totals and an
// in-memory index, and never reads the directory.
//
// It evicts the oldest pending envelopes until the new one fits
// MaxBytes. An envelope larger than MaxEnvelopeBytes is refused with
// [ErrTooLarge]. When the disk is full, it evicts the oldest envelope and
// tries again, until the write fits or nothing is left to evict. When the
// directory has been removed, it recreates it and tries once more.
func (o *Outbox) Write(eventID, dest string, envelope []byte) (name string, err error) {
	if strings.Contains(dest, "@") {
		// A DSN given where its Destination belongs would write the key to disk.
		return "", errorsx.InvalidArgument.New("outbox: destination holds credentials: pass Destination(dsn), not the DSN")
	}
	size := int64(len(envelope))
	if size > o.opts.MaxEnvelopeBytes {
		return "", fmt.Errorf("%w: %d bytes, the bound is %d", ErrTooLarge, size, o.opts.MaxEnvelopeBytes)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return "", ErrClosed
	}
	for o.bytes+size > o.opts.MaxBytes && o.evictOldest() {
	}
	tag := destTag(dest)
	ts := max(time.Now().UnixNano(), o.lastTS+1)
	name = fmt.Sprintf("%020d-%s-%s%s", ts, fileEventID(eventID), tag, Suffix)
	recreated := false
	for {
		err = o.writeFile(o.dir, name, envelope)
		if err == nil {
			break
		}
		if isNoSpace(err) && o.evictOldest() {
			continue
		}
		if !recreated && o.dirGone() {
			recreated = true
			if rerr := o.recreate(); rerr != nil {
				return "", fmt.Errorf("outbox: write %s: %w (recreating the directory: %v)", name, err, rerr)
			}
			continue
		}
		return "", fmt.Errorf("outbox: write %s: %w", name, err)
	}
	o.lastTS = ts
	o.insert(&entry{name: name, tag: tag, size: size, written: true})
	o.stats.Written++
	return name, nil
}

// fileEventID makes an event ID safe for a file name: [A-Za-z0-9] only,
// at most 64 characters.
func fileEventID(id string) string {
	b := make([]byte, 0, min(len(id), 64))
	for i := 0; i < len(id) && len(b) < 64; i++ {
		if c := id[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "event"
	}
	return string(b)
}

// writeFile writes data to dir/name through a temporary file, so that no
// reader and no crash sees half of it.
func (o *Outbox) writeFile(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	_, err = o.sys.write(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func (o *Outbox) dirGone() bool {
	_, err := os.Stat(o.dir)
	return errors.Is(err, fs.ErrNotExist)
}

// recreate rebuilds a removed directory. Everything the index held went
// with it, including this Outbox's claims.
func (o *Outbox) recreate() error {
	if err := o.makeDirs(); err != nil {
		return err
	}
	o.entries = map[string]*entry{}
	o.order.Init()
	o.tags = map[string]*tagQueue{}
	o.files, o.bytes = 0, 0
	o.rejected, o.rejBytes = nil, 0
	return nil
}

// insert adds e to the index. Names grow with time within a process, so
// a new entry goes to the back; Rescan rebuilds the order from sorted
// names.
func (o *Outbox) insert(e *entry) {
	o.entries[e.name] = e
	e.all = o.order.PushBack(e)
	q := o.tag(e.tag)
	e.inTag = q.order.PushBack(e)
	if e.state != stateClaimed {
		o.count(e, 1)
	}
}

func (o *Outbox) tag(tag string) *tagQueue {
	q := o.tags[tag]
	if q == nil {
		q = &tagQueue{order: list.New()}
		o.tags[tag] = q
	}
	return q
}

// count adds (sign 1) or removes (sign -1) e from the pending totals.
func (o *Outbox) count(e *entry, sign int) {
	q := o.tag(e.tag)
	o.files += sign
	o.bytes += int64(sign) * e.size
	q.files += sign
	q.bytes += int64(sign) * e.size
}

// drop removes e from the index.
func (o *Outbox) drop(e *entry) {
	if e.state != stateClaimed {
		o.count(e, -1)
	}
	o.order.Remove(e.all)
	q := o.tags[e.tag]
	q.order.Remove(e.inTag)
	if q.order.Len() == 0 {
		delete(o.tags, e.tag)
	}
	delete(o.entries, e.name)
}

// evictOldest removes the oldest pending envelope and reports whether
// there was one. Claims in flight are skipped; they are few.
func (o *Outbox) evictOldest() bool {
	for el := o.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		if e.state == stateClaimed {
			continue
		}
		err := os.Remove(filepath.Join(o.dir, e.name))
		o.drop(e)
		if err == nil {
			o.stats.Evicted++
		}
		return true // also when another process took it: the totals are right again
	}
	return false
}

// Claim is an envelope taken by [Outbox.Claim]. Pass it back to exactly
// one of Done, Release or Reject; Replace may come before.
type Claim struct {
	Name     string // file name, stable across Release
	EventID  string // the header's event_id
	Envelope []byte // content, as stored
	// Found is true when this Outbox did not write the envelope: it was
	// on disk when Open read the directory (an earlier run's, a crash
	// monitor's) or a Rescan found it (another process's).
	Found bool

	o *Outbox
	e *entry
}

// Claim takes the oldest pending envelope for dest by renaming it into
// this Outbox's claimed area, so that no other process (or Outbox) sends
// it too, reads it and returns it. It returns (nil, nil) when there is
// none. Claim filters by file name and reads only the file it takes; an
// envelope whose header names another destination is put back and skipped
// by this Outbox, and one that is too large or does not parse is
// quarantined.
func (o *Outbox) Claim(dest string) (*Claim, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, ErrClosed
	}
	q := o.tags[destTag(dest)]
	if q == nil {
		return nil, nil
	}
	for el := q.order.Front(); el != nil; {
		e := el.Value.(*entry)
		el = el.Next()
		if e.state != statePending {
			continue
		}
		claimed := filepath.Join(o.claimDir(), e.name)
		err := o.rename(filepath.Join(o.dir, e.name), claimed, o.claimDir())
		if errors.Is(err, fs.ErrNotExist) {
			if o.dirGone() { // removed with everything in it
				if rerr := o.recreate(); rerr != nil {
					return nil, rerr
				}
				return nil, nil
			}
			o.drop(e) // taken by another process
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("outbox: claim %s: %w", e.name, err)
		}
		o.count(e, -1)
		e.state = stateClaimed
		data, err := readAtMost(claimed, o.opts.MaxEnvelopeBytes)
		if errors.Is(err, errTooLargeFile) {
			o.quarantine(claimed, e.name, e.size, "larger than MaxEnvelopeBytes")
			o.drop(e)
			continue
		}
		if err != nil {
			o.putBack(e)
			return nil, fmt.Errorf("outbox: claim %s: %w", e.name, err)
		}
		h, err := parseHeader(data)
		if err != nil {
			o.quarantine(claimed, e.name, int64(len(data)), "header does not parse")
			o.drop(e)
			continue
		}
		e.size = int64(len(data))
		if d, _ := h[DestinationKey].(string); d != dest {
			o.putBack(e)
			e.state = stateSkipped
			continue
		}
		id, _ := h["event_id"].(string)
		return &Claim{Name: e.name, EventID: id, Envelope: data, Found: !e.written, o: o, e: e}, nil
	}
	return nil, nil
}

// rename is os.Rename that creates the target directory once if it is
// missing, unless the whole outbox directory is.
func (o *Outbox) rename(from, to, toDir string) error {
	err := os.Rename(from, to)
	if errors.Is(err, fs.ErrNotExist) && !o.dirGone() { // the caller recreates a removed outbox
		if _, serr := os.Stat(toDir); errors.Is(serr, fs.ErrNotExist) {
			if merr := os.MkdirAll(toDir, 0o700); merr != nil {
				return merr
			}
			err = os.Rename(from, to)
		}
	}
	return err
}

// putBack moves a claimed entry back to pending.
func (o *Outbox) putBack(e *entry) error {
	err := o.rename(filepath.Join(o.claimDir(), e.name), filepath.Join(o.dir, e.name), o.dir)
	if err != nil {
		o.drop(e)
		return err
	}
	e.state = statePending
	o.count(e, 1)
	return nil
}

var errTooLargeFile = errors.New("outbox: file is larger than MaxEnvelopeBytes")

// readAtMost reads a file of at most limit bytes.
func readAtMost(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLargeFile
	}
	return data, nil
}

func (o *Outbox) checkClaim(c *Claim) error {
	if c == nil || c.o != o || c.e == nil || c.e.state != stateClaimed || o.entries[c.Name] != c.e {
		return ErrNotClaimed
	}
	return nil
}

// Done marks a claimed envelope delivered and removes it.
func (o *Outbox) Done(c *Claim) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.checkClaim(c); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(o.claimDir(), c.Name))
	o.drop(c.e)
	o.stats.Delivered++
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("outbox: done %s: %w", c.Name, err)
	}
	return nil
}

// Release puts a claimed envelope back to pending under the same name, so
// it keeps its place in the order. If the outbox is over MaxBytes
// meanwhile, the oldest pending envelopes are evicted, which may be this
// one.
func (o *Outbox) Release(c *Claim) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.checkClaim(c); err != nil {
		return err
	}
	if err := o.putBack(c.e); err != nil {
		return fmt.Errorf("outbox: release %s: %w", c.Name, err)
	}
	for o.bytes > o.opts.MaxBytes && o.evictOldest() {
	}
	return nil
}

// Replace gives a claimed envelope new content (for example trimmed after
// Sentry answered 413); it stays claimed. An envelope larger than
// MaxEnvelopeBytes is refused with [ErrTooLarge].
func (o *Outbox) Replace(c *Claim, env []byte) error {
	if int64(len(env)) > o.opts.MaxEnvelopeBytes {
		return fmt.Errorf("%w: %d bytes, the bound is %d", ErrTooLarge, len(env), o.opts.MaxEnvelopeBytes)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.checkClaim(c); err != nil {
		return err
	}
	if err := o.writeFile(o.claimDir(), c.Name, env); err != nil {
		return fmt.Errorf("outbox: replace %s: %w", c.Name, err)
	}
	c.e.size = int64(len(env))
	c.Envelope = env
	return nil
}

// Reject moves a claimed envelope that Sentry will never accept into
// rejected/, with reason (at most 4 KiB of it) in <name>.reason beside it,
// for a person to look at. rejected/ is bounded by RejectedMaxBytes: the
// oldest rejected files are removed, and an envelope that cannot fit is
// removed at once. reason is stored as given; do not put secrets in it.
func (o *Outbox) Reject(c *Claim, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.checkClaim(c); err != nil {
		return err
	}
	o.moveToRejected(filepath.Join(o.claimDir(), c.Name), c.Name, c.e.size, reason)
	o.drop(c.e)
	o.stats.Rejected++
	return nil
}

// quarantine moves a file that must not stay pending into rejected/.
func (o *Outbox) quarantine(path, name string, size int64, reason string) {
	o.moveToRejected(path, name, size, "quarantined: "+reason)
	o.stats.Quarantined++
}

func (o *Outbox) moveToRejected(path, name string, size int64, reason string) {
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes]
	}
	total := size + int64(len(reason))
	if total > o.opts.RejectedMaxBytes {
		_ = os.Remove(path)
		return
	}
	dir := filepath.Join(o.dir, rejectedDir)
	for len(o.rejected) > 0 && o.rejBytes+total > o.opts.RejectedMaxBytes {
		old := o.rejected[0]
		o.rejected = o.rejected[1:]
		o.rejBytes -= old.size
		_ = os.Remove(filepath.Join(dir, old.name))
		_ = os.Remove(filepath.Join(dir, old.name+reasonExt))
	}
	if err := o.rename(path, filepath.Join(dir, name), dir); err != nil {
		_ = os.Remove(path)
		return
	}
	now := time.Now() // rejected/ is ordered by the time of rejection
	_ = os.Chtimes(filepath.Join(dir, name), now, now)
	if err := o.writeFile(dir, name+reasonExt, []byte(reason)); err != nil {
		reason = ""
	}
	o.rejected = append(o.rejected, rejectedFile{name: name, size: size + int64(len(reason))})
	o.rejBytes += size + int64(len(reason))
}

// Pending returns the number and total size of the pending envelopes for
// dest, as this process knows them.
func (o *Outbox) Pending(dest string) (files int, bytes int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if q := o.tags[destTag(dest)]; q != nil {
		return q.files, q.bytes
	}
	return 0, 0
}

// Stats returns what the outbox holds and the counters of this Outbox.
func (o *Outbox) Stats() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.stats
	s.Files, s.Bytes = o.files, o.bytes
	return s
}

// Close puts this Outbox's claims back to pending and releases its owner
// lock. It is idempotent; Write, Claim and Rescan return [ErrClosed]
// after it.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	var errs []error
	for el := o.order.Front(); el != nil; {
		e := el.Value.(*entry)
		el = el.Next()
		if e.state == stateClaimed {
			if err := o.putBack(e); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := os.RemoveAll(o.claimDir()); err != nil {
		errs = append(errs, err)
	}
	o.unlockOwner()
	if len(errs) > 0 {
		return fmt.Errorf("outbox: close: %w", errors.Join(errs...))
	}
	return nil
}

// parseName splits a pending envelope's name; ok is false for a name the
// outbox did not write.
func parseName(name string) (tag string, ok bool) {
	base, found := strings.CutSuffix(name, Suffix)
	if !found || len(base) < 20+1+1+1+5 || base[20] != '-' {
		return "", false
	}
	for _, c := range []byte(base[:20]) {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	i := strings.LastIndexByte(base, '-')
	if i <= 21 {
		return "", false
	}
	tag = base[i+1:]
	if tag == localTag {
		return tag, true
	}
	if len(tag) != 8 {
		return "", false
	}
	for _, c := range []byte(tag) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return tag, true
}

// sortEntries orders entries by name, oldest first.
func sortEntries(es []*entry) {
	slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
}
