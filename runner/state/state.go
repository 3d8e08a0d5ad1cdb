// Package state is flowctl's local state store: one bbolt file holding the applied flows,
// every execution document with its task-run logs, and a format version.
//
// Many flowctl processes share one file at once (overlapping cron jobs, parallel CI steps),
// so a Store never keeps the database open: each method opens the file, takes its lock, runs
// one short transaction and closes it again. No process holds the file for a whole execution.
//
// The package imports nothing of flowctl's: an execution is an opaque JSON document, stored
// beside the few fields needed to list and filter executions without decoding documents.
// Callers mask secrets before anything reaches the store; the store never logs a document.
package state

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/flowctl/flowctl/runner/storage"
)

// Format is the version of the state file's layout that this package reads and writes. A
// file with a higher format was written by a newer flowctl and is left alone.
const Format = 1

// DefaultLockTimeout is how long a method waits for another process's transaction to end.
const DefaultLockTimeout = 10 * time.Second

// DefaultLogCap is how many bytes of log messages are kept per task run.
const DefaultLogCap = 1 << 20

// magic marks a bbolt file as a flowctl state, so another program's bbolt database is never
// mistaken for one (and never written to).
const magic = "flowctl state"

var (
	bucketMeta  = []byte("meta")
	bucketFlows = []byte("flows")
	bucketExecs = []byte("executions")
	// bucketIndex holds one key per execution, start time (big-endian) then id, so that
	// listing newest first walks a cursor backwards and stops at the limit.
	bucketIndex = []byte("executions-by-start")
	bucketLogs  = []byte("logs")

	dataBuckets = [][]byte{bucketFlows, bucketExecs, bucketIndex, bucketLogs}

	keyMagic  = []byte("magic")
	keyFormat = []byte("format")
)

// Errors that an *Error wraps, for callers that must tell the cases apart with errors.Is.
var (
	ErrLocked      = errors.New("state locked")
	ErrCorrupt     = errors.New("state damaged")
	ErrNotState    = errors.New("not a flowctl state")
	ErrNewerFormat = errors.New("state written by a newer flowctl")
	ErrReadOnly    = errors.New("state opened read-only")
	// ErrInterrupted: Options.Context was done before the method could finish.
	ErrInterrupted = errors.New("interrupted")
)

// Error is a failure of the state file itself: damaged, not a state, newer, locked,
// unreadable or uncreatable. It names the file and, where a user can act, says how.
type Error struct {
	Path string
	Msg  string
	Hint string
	// Err is the cause: one of the Err* values above, or an operating system error.
	Err error
}

// Error reads "state PATH: msg (hint)".
func (e *Error) Error() string {
	s := "state " + e.Path + ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, ErrLocked) and the like work.
func (e *Error) Unwrap() error { return e.Err }

// Options tune a Store. The zero value is right for the CLI.
type Options struct {
	// LockTimeout is how long to wait for another process's transaction; 0 means 10s.
	LockTimeout time.Duration
	// ReadOnly stores never write, not even to create the file: a missing file reads as
	// an empty state.
	ReadOnly bool
	// LogCap is how many bytes of log messages are kept per task run; 0 means 1 MiB.
	LogCap int64
	// Context, when done, ends what the store is doing: a wait for the lock, a long
	// operation (PruneExecutions, Check, Recover, Compact), a transaction under way (a write
	// is rolled back). The method then returns an *Error wrapping ErrInterrupted, at once,
	// even when the file holds it in a loop; whatever it left running stops with the
	// process. nil never ends anything.
	Context context.Context
	// Now is the clock the KV store's expiry dates are set and read by; nil means time.Now.
	Now func() time.Time
}

// Store is a state file. It holds no open database between calls (see the package doc), so
// a Store is cheap to keep and safe to use from several goroutines.
type Store struct {
	path string
	opts Options
	// mu keeps this process's own goroutines from queueing on the file lock, which is
	// taken per open file and so would make them wait on each other like strangers.
	mu sync.RWMutex
}

// Open checks the state file at path, creating it (folder 0700, file 0600) when it does not
// exist yet; an empty file, such as one made by mktemp, becomes a new state too. A file that
// is damaged, is not a flowctl state, or has a newer format is an *Error, and the file is
// left untouched: it is only read, under a shared lock, before anything is written.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: no path given")
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.LogCap <= 0 {
		opts.LogCap = DefaultLogCap
	}
	s := &Store{path: path, opts: opts}

	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if opts.ReadOnly {
			return s, nil
		}
		if err := s.create(); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, s.cannotCreate(err)
	case st.IsDir():
		return nil, &Error{Path: path, Msg: "is a folder, not a state file",
			Hint: "give --state or FLOWCTL_STATE the path of a file", Err: ErrNotState}
	}

	// Read first: a file that is not ours must never be opened for writing.
	err = s.locked(false, func() error { return s.withDB(false, func(*bolt.Tx) error { return nil }) })
	if errors.Is(err, errEmpty) {
		if opts.ReadOnly {
			return s, nil
		}
		err = s.locked(true, func() error { return s.withDB(true, func(*bolt.Tx) error { return nil }) })
	}
	if err != nil {
		return nil, err
	}
	if !opts.ReadOnly {
		// Better to learn now than when the execution ends and its record is lost.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, &Error{Path: path, Msg: "cannot write to it: " + cause(err),
				Hint: "make it writable by you, or choose another file with --state or FLOWCTL_STATE", Err: err}
		}
		f.Close()
	}
	return s, nil
}

// Path returns the file this Store reads and writes.
func (s *Store) Path() string { return s.path }

// Storage returns the internal storage of this state: the files its executions' tasks
// handed each other, in the folder <state>.storage beside the file. PruneExecutions removes
// an execution's files with it.
func (s *Store) Storage() *storage.Root { return storage.ForState(s.path) }

// create makes the folder and an empty file; the first write transaction turns it into a
// state. Two processes creating the same state at once both open the one file, and the lock
// lets only the first initialise it.
func (s *Store) create() error {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return s.cannotCreate(err)
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return s.cannotCreate(err)
	}
	f.Close()
	// The new name must survive a power loss as surely as the records written into it.
	syncDir(dir)
	return nil
}

func (s *Store) cannotCreate(err error) error {
	return &Error{Path: s.path, Msg: "cannot create the state file: " + cause(err),
		Hint: fmt.Sprintf("check that %s is a folder you can write to, or choose another file with --state or FLOWCTL_STATE", filepath.Dir(s.path)),
		Err:  err}
}

// cause is an os error without the operation and path that *Error already shows.
func cause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// errEmpty is an empty file, or a bbolt file without any bucket: a state being created. A
// reader sees an empty state; a writer initialises it.
var errEmpty = errors.New("empty state")

// read runs fn in a read-only transaction under a shared lock. A missing or empty file
// reads as an empty state: fn is not called.
func (s *Store) read(fn func(*bolt.Tx) error) error {
	err := s.locked(false, func() error { return s.withDB(false, fn) })
	if errors.Is(err, errEmpty) {
		return nil
	}
	return err
}

// update runs fn in one write transaction, committed and fsync'ed before it returns.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	if s.opts.ReadOnly {
		return &Error{Path: s.path, Msg: "opened read-only, cannot write", Err: ErrReadOnly}
	}
	return s.locked(true, func() error { return s.withDB(true, fn) })
}

// locked runs fn holding mu (exclusively to write), and returns as soon as Options.Context
// is done: fn then goes on in the background, until the process exits, and its transaction
// is not committed (see withDB). bbolt cannot be called off otherwise, and a page damaged in
// a way no check foresaw could hold it in a loop.
func (s *Store) locked(write bool, fn func() error) error {
	run := func() error {
		if write {
			s.mu.Lock()
			defer s.mu.Unlock()
		} else {
			s.mu.RLock()
			defer s.mu.RUnlock()
		}
		return fn()
	}
	ctx := s.opts.Context
	if ctx == nil || ctx.Done() == nil {
		return run()
	}
	if ctx.Err() != nil {
		return s.interrupted()
	}
	done := make(chan error, 1)
	go func() { done <- run() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // it finished meanwhile: what it did stands
			return err
		default:
			return s.interrupted()
		}
	}
}

// interrupted is the error of a method whose Options.Context is done.
func (s *Store) interrupted() *Error {
	return &Error{Path: s.path, Msg: "interrupted; a change under way was not made", Err: ErrInterrupted}
}

// checkInterrupt is the context check of a long loop.
func (s *Store) checkInterrupt() error {
	if ctx := s.opts.Context; ctx != nil && ctx.Err() != nil {
		return s.interrupted()
	}
	return nil
}

// withDB opens the file, runs fn in one transaction and closes the file again, so the lock
// is held for the transaction alone.
func (s *Store) withDB(write bool, fn func(*bolt.Tx) error) error {
	return s.withOpenDB(write, func(db *bolt.DB) error {
		if write {
			return db.Update(func(tx *bolt.Tx) error {
				if err := s.checkMeta(tx, true); err != nil {
					return err
				}
				if err := fn(tx); err != nil {
					return err
				}
				// A caller that gave up (see locked) was told nothing was written.
				return s.checkInterrupt()
			})
		}
		return db.View(func(tx *bolt.Tx) error {
			if err := s.checkMeta(tx, false); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// withOpenDB opens the file (locked: exclusively to write, shared to read), runs fn and
// closes it again.
func (s *Store) withOpenDB(write bool, fn func(*bolt.DB) error) (err error) {
	var (
		db     *bolt.DB
		opened *os.File
	)
	defer func() {
		// bbolt panics on some damaged pages, and a page past the end of a file cut short
		// elsewhere faults; both become an error naming the file rather than a crash.
		if r := recover(); r != nil {
			if db == nil && opened != nil {
				// The panic came from inside bolt.Open: let the lock go, or every later
				// call in this process would wait for it until its timeout.
				opened.Close()
			}
			err = s.corrupt(fmt.Sprint(r))
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

	db, err = bolt.Open(s.path, 0o600, &bolt.Options{
		Timeout:  s.opts.LockTimeout,
		ReadOnly: !write,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := s.openFile(name, flag, perm)
			opened = f
			return f, err
		},
	})
	if err != nil {
		return s.wrap(err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = s.wrap(cerr)
		}
	}()
	return s.wrap(fn(db))
}

// openFile is bbolt's OpenFile hook. It takes the file lock itself, so that a waiter gets
// the lock the moment it is released rather than on bbolt's next 50 ms poll (bbolt's own
// lock call then finds it held). Once locked, it makes sure the file is still the one at
// the path, since Compact replaces it while others wait; then it checks the header before
// bbolt maps the file.
func (s *Store) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	write := flag&(os.O_RDWR|os.O_WRONLY) != 0
	for range 100 {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			if !write && errors.Is(err, fs.ErrNotExist) {
				return nil, errEmpty
			}
			return nil, err
		}
		if err := lockFile(s.opts.Context, f, write, s.opts.LockTimeout); err != nil {
			if !errors.Is(err, errLockTimeout) && !errors.Is(err, errLockInterrupted) {
				f.Close()
			}
			return nil, err
		}
		if !samePath(f, name) {
			f.Close() // replaced while we waited: take the new one
			continue
		}
		if err := s.checkHeader(f, write); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	return nil, errors.New("the file keeps being replaced")
}

// samePath tells whether f is still the file found at name.
func samePath(f *os.File, name string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Stat(name)
	return err == nil && os.SameFile(fi, pi)
}

// checkMeta tells a flowctl state from anything else, inside every transaction: the file
// may have been replaced since Open. An empty bbolt file is initialised when init is set.
func (s *Store) checkMeta(tx *bolt.Tx, init bool) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return s.notState("a bbolt database without flowctl's meta bucket")
		}
		if !init {
			return errEmpty
		}
		return initialise(tx)
	}
	if m := meta.Get(keyMagic); !bytes.Equal(m, []byte(magic)) {
		return s.notState("a bbolt database with a meta bucket that is not flowctl's")
	}
	f, err := strconv.Atoi(string(meta.Get(keyFormat)))
	if err != nil || f < 1 {
		return s.corrupt(fmt.Sprintf("format version %q is not a number", meta.Get(keyFormat)))
	}
	if f > Format {
		return s.newer(f)
	}
	for _, b := range dataBuckets {
		if tx.Bucket(b) == nil {
			return s.corrupt(fmt.Sprintf("bucket %q is missing", b))
		}
	}
	return nil
}

func initialise(tx *bolt.Tx) error {
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(keyMagic, []byte(magic)); err != nil {
		return err
	}
	if err := meta.Put(keyFormat, []byte(strconv.Itoa(Format))); err != nil {
		return err
	}
	for _, b := range dataBuckets {
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	return nil
}

// bbolt's meta page, as laid out by bbolt 1.x: a 16-byte page header, then these fields.
const (
	boltMagic    = 0xED0CDAED
	boltVersion  = 2
	pageHeader   = 16
	metaSize     = 64
	metaSumBytes = 56 // the checksum covers the fields before it
)

type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's root page
	freelist uint64
	pgid     uint64 // high water mark: pages in use, so the file holds at least pgid*pageSize bytes
	txid     uint64 // bbolt reads the valid meta page with the highest
}

// readMeta reads and validates one meta page; ok is false for anything that bbolt too would
// reject as a header.
func readMeta(f io.ReaderAt, off int64) (m boltMeta, ok bool) {
	var b [pageHeader + metaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return m, false
	}
	e := binary.NativeEndian // bbolt writes its structs in the machine's byte order
	p := b[pageHeader:]
	if e.Uint32(p[0:]) != boltMagic || e.Uint32(p[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(p[:metaSumBytes])
	if h.Sum64() != e.Uint64(p[metaSumBytes:]) {
		return m, false
	}
	m.pageSize = e.Uint32(p[8:])
	m.root = e.Uint64(p[16:])
	m.freelist = e.Uint64(p[32:])
	m.pgid = e.Uint64(p[40:])
	m.txid = e.Uint64(p[48:])
	if m.pageSize < 512 || m.pageSize > 1<<16 || m.pageSize&(m.pageSize-1) != 0 {
		return m, false
	}
	return m, true
}

// readMetas reads the valid meta pages of f, as bbolt finds them.
func readMetas(f io.ReaderAt) []boltMeta {
	var metas []boltMeta
	if m0, ok := readMeta(f, 0); ok {
		metas = append(metas, m0)
		if m1, ok := readMeta(f, int64(m0.pageSize)); ok {
			metas = append(metas, m1)
		}
		return metas
	}
	// bbolt too falls back to the second page, found at the usual page sizes.
	for _, ps := range []int64{int64(os.Getpagesize()), 4096} {
		if m1, ok := readMeta(f, ps); ok && int64(m1.pageSize) == ps {
			return append(metas, m1)
		}
	}
	return nil
}

// checkHeader checks what bbolt assumes and would otherwise crash on: two meta pages, at
// least one valid, and a file as long as every valid header says. bbolt maps the file, so a
// truncated one faults (SIGBUS) on the first page past its end instead of failing cleanly.
func (s *Store) checkHeader(f *os.File, write bool) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		if write {
			return nil // bbolt writes the header of a new file
		}
		return errEmpty
	}
	metas := readMetas(f)
	if len(metas) == 0 {
		return s.corrupt("no valid database header (a file that is not a state, or one damaged beyond use)")
	}
	for _, m := range metas {
		if need := int64(m.pgid) * int64(m.pageSize); size < need || size < 2*int64(m.pageSize) {
			return s.corrupt(fmt.Sprintf("truncated: %d bytes where its header needs %d", size, need))
		}
	}
	return nil
}

func (s *Store) corrupt(detail string) *Error {
	return &Error{Path: s.path, Msg: "damaged: " + detail,
		Hint: "flowctl left it untouched; `flowctl state recover` copies what is readable into a new file", Err: ErrCorrupt}
}

func (s *Store) newer(format int) *Error {
	return &Error{Path: s.path, Msg: fmt.Sprintf("written by a newer flowctl (format %d); upgrade flowctl", format),
		Hint: fmt.Sprintf("this flowctl reads format %d and left the file untouched", Format), Err: ErrNewerFormat}
}

func (s *Store) notState(detail string) *Error {
	return &Error{Path: s.path, Msg: "not a flowctl state file: " + detail,
		Hint: "point --state or FLOWCTL_STATE at a flowctl state, or move this file away", Err: ErrNotState}
}

// wrap turns whatever failed into an *Error naming the file.
func (s *Store) wrap(err error) error {
	var se *Error
	switch {
	case err == nil, errors.Is(err, errEmpty):
		return err
	case errors.As(err, &se):
		return se
	case errors.Is(err, errLockInterrupted):
		return s.interrupted()
	case errors.Is(err, errLockTimeout), errors.Is(err, bolterrors.ErrTimeout):
		return &Error{Path: s.path, Msg: fmt.Sprintf("locked by another flowctl process for more than %s", s.opts.LockTimeout),
			Hint: "its transaction should take milliseconds: try again, and if it stays locked look for a stuck process with fuser " + s.path,
			Err:  ErrLocked}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, io.ErrUnexpectedEOF):
		return s.corrupt(err.Error())
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: s.path, Msg: cause(err),
			Hint: "make the file and its folder writable by you, or choose another file with --state or FLOWCTL_STATE", Err: err}
	case diskFull(err):
		// A transaction that cannot grow the file or write its pages is rolled back whole:
		// the file keeps what the last commit left.
		return &Error{Path: s.path, Msg: cause(err),
			Hint: "the disk holding it is full, or a file size limit (ulimit -f) is reached: this change was not written, what was there before is intact; free space, or choose another file with --state or FLOWCTL_STATE", Err: err}
	}
	return &Error{Path: s.path, Msg: cause(err), Err: err}
}

// fullErrnos are the errors of a disk, a quota or a file size limit that is reached.
var fullErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG}

// diskFull reports whether err is a full disk's. bbolt words some of its own with %s (its
// "file resize error"), which keeps the system's message but not the error: that is looked
// for too.
func diskFull(err error) bool {
	for _, e := range fullErrnos {
		if errors.Is(err, e) || strings.Contains(err.Error(), e.Error()) {
			return true
		}
	}
	return false
}

// The record encoding: fields one after another, strings with a uvarint length, times as a
// presence byte, seconds and nanoseconds. It is the package's own, so listing needs no JSON
// decoding, and documents are stored byte for byte as given.

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// decoder reads what the append functions wrote; the first failure sticks in err.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errors.New("record cut short")
	}
	d.b = nil
}

func (d *decoder) bytes() []byte {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || uint64(len(d.b)-k) < n {
		d.fail()
		return nil
	}
	v := d.b[k : k+int(n)]
	d.b = d.b[k+int(n):]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) time() time.Time {
	if d.byte() == 0 || d.err != nil {
		return time.Time{}
	}
	sec := int64(d.uint64())
	if len(d.b) < 4 {
		d.fail()
		return time.Time{}
	}
	nsec := int64(binary.BigEndian.Uint32(d.b))
	d.b = d.b[4:]
	return time.Unix(sec, nsec).UTC()
}

// Compaction: bbolt reuses freed pages but never gives them back, and keeps their list in
// the file. Every write transaction reads that list when it opens the file and writes it
// when it commits, so after a large prune each run pays for it (recording an execution took
// 11 ms instead of 2 with 48,000 free pages) until new executions fill the pages again.
// Compacting copies the live data into a new file and renames it over the old one, under
// the exclusive lock; processes waiting for the lock meanwhile notice that the file was
// replaced (see openFile) and open the new one.

// autoCompact bounds the compaction that PruneExecutions does on its own: enough free pages
// to matter, and little enough live data that the copy holds the lock for well under a
// second, far from other processes' lock timeout.
const (
	autoCompactMinFree  = 4096
	autoCompactMaxBytes = 64 << 20
)

// Compact rewrites the state file without its free pages and returns its size before and
// after. It holds the lock for the whole copy, about a second per 100 MB of executions
// kept, so run it when no flowctl process will wait on it longer than its lock timeout.
func (s *Store) Compact() (before, after int64, err error) {
	if s.opts.ReadOnly {
		return 0, 0, &Error{Path: s.path, Msg: "opened read-only, cannot compact", Err: ErrReadOnly}
	}
	var b, a int64
	err = s.locked(true, func() error {
		return s.withOpenDB(true, func(db *bolt.DB) error {
			if err := db.View(func(tx *bolt.Tx) error { return s.checkMeta(tx, false) }); err != nil {
				return err
			}
			var err error
			b, a, err = s.compact(db)
			return err
		})
	})
	switch {
	case errors.Is(err, errEmpty):
		return 0, 0, nil // nothing to compact yet
	case err != nil:
		return 0, 0, err
	}
	return b, a, nil
}

// compactIfWorthIt compacts after a prune when the free pages outweigh the live data and
// the live data is small (see autoCompactMaxBytes).
func (s *Store) compactIfWorthIt() error {
	if !canReplaceOpenFile {
		return nil
	}
	return s.locked(true, func() error {
		return s.withOpenDB(true, func(db *bolt.DB) error {
			var size int64
			if err := db.View(func(tx *bolt.Tx) error {
				size = tx.Size()
				return s.checkMeta(tx, false)
			}); err != nil {
				return err
			}
			st := db.Stats()
			free := int64(st.FreePageN+st.PendingPageN) * int64(db.Info().PageSize)
			if st.FreePageN+st.PendingPageN < autoCompactMinFree || free < size-free || size-free > autoCompactMaxBytes {
				return nil
			}
			_, _, err := s.compact(db)
			return err
		})
	})
}

// compact copies src, which the caller holds open with the exclusive lock, into a new file
// beside it, then renames that over it. A crash midway leaves the old file in place, and
// possibly a stray .compact file beside it.
func (s *Store) compact(src *bolt.DB) (before, after int64, err error) {
	// The copy reads every page: check them all first (see guard), or a damaged one could
	// be copied as if it were sound.
	if err := s.checkWhole(src.Path()); err != nil {
		return 0, 0, err
	}
	// Replace the file itself, not a symbolic link that leads to it.
	target, err := filepath.EvalSymlinks(s.path)
	if err != nil {
		return 0, 0, err
	}
	if st, err := os.Stat(target); err == nil {
		before = st.Size()
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".compact-*") // mode 0600
	if err != nil {
		return before, 0, err
	}
	name := tmp.Name()
	tmp.Close()
	renamed := false
	defer func() {
		if !renamed { // failed, or panicked on a page no check foresaw
			os.Remove(name)
		}
	}()
	dst, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return before, 0, err
	}
	if err := bolt.Compact(dst, src, 32<<20); err != nil {
		dst.Close()
		return before, 0, err
	}
	if err := dst.Close(); err != nil {
		return before, 0, err
	}
	if st, err := os.Stat(name); err == nil {
		after = st.Size()
	}
	if err := os.Rename(name, target); err != nil {
		return before, 0, err
	}
	renamed = true
	syncDir(dir)
	return before, after, nil
}

// syncDir makes a new or renamed name in dir survive a power loss.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
