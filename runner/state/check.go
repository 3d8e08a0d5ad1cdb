package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// maxProblems bounds the problems a check or a recovery lists; it counts them all.
const maxProblems = 20

// CheckReport is what Check found.
type CheckReport struct {
	Executions int // execution records read whole
	Flows      int // applied flows (deleted ones included)
	Pages      int // pages in use, free ones included
	// Problems lists the first damage found (at most 20); Damaged counts it all. A state
	// without any is sound.
	Problems []string
	Damaged  int
}

// scan reads a state file with a walker (see pages.go), noting damage instead of stopping at
// it: what Check and Recover share.
type scan struct {
	s        *Store
	pf       *pageFile
	w        *walker
	problems []string
	damaged  int
}

func (s *Store) newScan(f *os.File) (*scan, error) {
	pf, err := openPages(f)
	if err != nil {
		return nil, s.corrupt(err.Error())
	}
	sc := &scan{s: s, pf: pf, w: newWalker(pf)}
	sc.w.skip = func(err error) { sc.problem("%v", err) }
	sc.w.stop = s.checkInterrupt
	return sc, nil
}

func (sc *scan) problem(format string, args ...any) {
	sc.damaged++
	if len(sc.problems) < maxProblems {
		sc.problems = append(sc.problems, fmt.Sprintf(format, args...))
	}
}

// bucket finds the bucket at path; a damaged page on the way is a problem, and reads as no
// bucket.
func (sc *scan) bucket(path ...[]byte) (tbucket, bool) {
	b := sc.pf.rootBucket()
	for i, name := range path {
		var ok bool
		var err error
		if b, ok, err = sc.pf.bucket(b, name); err != nil {
			sc.problem("bucket %s: %v", bucketName(path[:i+1]), err)
			return b, false
		} else if !ok {
			return b, false
		}
	}
	return b, true
}

// each calls fn with each readable key and value of the bucket at path, skipping damaged
// pages and nested buckets; values are read whole.
func (sc *scan) each(fn func(k, v []byte) error, path ...[]byte) error {
	b, ok := sc.bucket(path...)
	if !ok {
		return nil
	}
	return sc.w.walk(b, func(n *tnode, el telem) error {
		if el.flags&leafBucketFlag != 0 {
			return nil
		}
		v, err := n.value(el)
		if err != nil {
			sc.problem("bucket %s: %v", bucketName(path), err)
			return nil
		}
		return fn(el.key, v)
	})
}

func bucketName(path [][]byte) string {
	return string(bytes.Join(path, []byte("/")))
}

// readExec decodes an execution record as the store wrote it: a head, then a JSON document.
func readExec(id string, v []byte) (ExecRecord, error) {
	d := decoder{b: v}
	r := decodeHeader(&d)
	if d.err != nil {
		return r, d.err
	}
	if !json.Valid(d.b) {
		return r, errors.New("its document is not valid JSON")
	}
	r.ID, r.Doc = id, d.b
	return r, nil
}

// inspect is a Store for Check and Recover on the file at path, which must exist: unlike
// Open, it reads nothing through bbolt, which a damaged page could crash or hold in a loop.
func inspect(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	opts.ReadOnly = true
	s := &Store{path: path, opts: opts}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, &Error{Path: path, Msg: cause(err), Hint: "give --state or FLOWCTL_STATE the path of a state file", Err: err}
	case st.IsDir():
		return nil, &Error{Path: path, Msg: "is a folder, not a state file",
			Hint: "give --state or FLOWCTL_STATE the path of a file", Err: ErrNotState}
	}
	return s, nil
}

// Check reads the whole state file at path, under the shared lock: every page of every
// bucket, checked as writes check the pages they touch (see guard), the free list, every
// record decoded, the index against the executions; then bbolt's own check (pages reachable,
// none freed twice). It lists the damage found rather than stopping at the first. A file that
// cannot be read as a state at all (not a state, a newer format, no valid header) is an
// *Error; an empty one is a sound, empty state.
func Check(path string, opts Options) (CheckReport, error) {
	s, err := inspect(path, opts)
	if err != nil {
		return CheckReport{}, err
	}
	var rep CheckReport
	err = s.scanFile(func(db *bolt.DB, sc *scan) error {
		r, err := sc.check()
		if err != nil {
			return err
		}
		if r.Damaged == 0 {
			// bbolt's own check, once the walk found no page that could send it round
			// in circles.
			err = db.View(func(tx *bolt.Tx) error {
				for err := range tx.Check() { // drain it: the checker blocks on its next error
					sc.problem("%v", err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			r.Problems, r.Damaged = sc.problems, sc.damaged
		}
		rep = r
		return nil
	})
	if errors.Is(err, errEmpty) {
		return CheckReport{}, nil
	}
	if err != nil {
		return CheckReport{}, err
	}
	return rep, nil
}

// check is Check's walk.
func (sc *scan) check() (CheckReport, error) {
	var rep CheckReport
	if err := sc.meta(); err != nil {
		return rep, err
	}
	for _, b := range dataBuckets {
		if _, ok := sc.bucket(b); !ok {
			sc.problem("bucket %s is missing", b)
		}
	}

	execs := map[string][]byte{} // id -> index key it should have
	err := sc.each(func(k, v []byte) error {
		r, err := readExec(string(k), v)
		if err != nil {
			sc.problem("execution %s: %v", k, err)
			return nil
		}
		rep.Executions++
		execs[string(k)] = indexKey(r.StartDate, r.ID)
		return nil
	}, bucketExecs)
	if err != nil {
		return rep, err
	}
	indexed := 0
	err = sc.each(func(k, v []byte) error {
		d := decoder{b: v}
		if len(k) <= 8 || d.byte() != recordVersion {
			sc.problem("index entry %q: damaged", k)
			return nil
		}
		if want, ok := execs[string(k[8:])]; !ok || !bytes.Equal(want, k) {
			sc.problem("index entry of execution %q: no readable record of it, or one with another start date", k[8:])
			return nil
		}
		indexed++
		return nil
	}, bucketIndex)
	if err != nil {
		return rep, err
	}
	if indexed < len(execs) {
		sc.problem("%d executions missing from the index", len(execs)-indexed)
	}
	err = sc.each(func(k, v []byte) error {
		if len(v) < 2 || v[0] != recordVersion {
			sc.problem("summary of execution %s: damaged", k)
		}
		return nil
	}, bucketSummaries)
	if err != nil {
		return rep, err
	}
	err = sc.each(func(k, v []byte) error {
		if _, _, err := sc.s.decodeFlow(v); err != nil {
			sc.problem("flow %q: %v", k, err)
			return nil
		}
		rep.Flows++
		return nil
	}, bucketFlows)
	if err != nil {
		return rep, err
	}
	err = sc.each(func(k, v []byte) error {
		if _, err := sc.s.decodeSchedule(k, v); err != nil {
			sc.problem("%v", err)
		}
		return nil
	}, bucketSchedules)
	if err != nil {
		return rep, err
	}
	// Logs, slots and KV pairs are buckets of buckets: walk them with their nesting.
	for _, top := range [][]byte{bucketLogs, bucketSlots, bucketKV} {
		b, ok := sc.bucket(top)
		if !ok {
			continue
		}
		err := sc.w.walkBucket([][]byte{top}, b, func(path [][]byte, n *tnode, el telem) error {
			if el.flags&leafBucketFlag != 0 {
				return nil
			}
			v, err := n.value(el)
			if err == nil {
				err = checkNested(path, el.key, v)
			}
			if err != nil {
				sc.problem("%s: %v", bucketName(append(path, el.key)), err)
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	// The root bucket's other pages: the meta bucket and the buckets walked above were
	// found through it, but it may hold more.
	if err := sc.w.walk(sc.pf.rootBucket(), func(*tnode, telem) error { return nil }); err != nil {
		return rep, err
	}

	free, err := sc.pf.freePages()
	if err != nil {
		sc.problem("%v", err)
	} else if err := notFree(free, sc.pf.read); err != nil {
		sc.problem("%v", err)
	}
	rep.Pages = int(sc.pf.hwm)
	rep.Problems, rep.Damaged = sc.problems, sc.damaged
	return rep, nil
}

// meta checks that the file is a flowctl state of a format this build reads.
func (sc *scan) meta() error {
	meta := map[string][]byte{}
	if err := sc.each(func(k, v []byte) error { meta[string(k)] = v; return nil }, bucketMeta); err != nil {
		return err
	}
	if !bytes.Equal(meta[string(keyMagic)], []byte(magic)) {
		return sc.s.notState("no flowctl meta bucket, or a damaged one")
	}
	f, err := strconv.Atoi(string(meta[string(keyFormat)]))
	if err != nil || f < 1 {
		sc.problem("format version %q is not a number", meta[string(keyFormat)])
	} else if f > Format {
		return sc.s.newer(f)
	}
	return nil
}

// checkNested decodes a record of a nested bucket: a log line, a task run's tally, a slot.
func checkNested(path [][]byte, k, v []byte) error {
	switch {
	case bytes.Equal(path[0], bucketSlots) && len(path) == 2:
		_, err := decodeSlot(k, v)
		return err
	case bytes.Equal(path[0], bucketKV) && len(path) == 2:
		_, err := readKV(string(path[1]), string(k), v)
		return err
	case len(path) != 3:
		return errors.New("a record where a bucket belongs")
	case bytes.Equal(path[2], bucketLines):
		_, err := decodeLine(v)
		return err
	case bytes.Equal(path[2], bucketRuns):
		_, err := readTally(v)
		return err
	}
	return errors.New("a record of an unknown kind")
}

// scanFile runs f with a scan of the state file's pages, read apart from bbolt's own map,
// under the shared lock: what state check and state recover read the file with.
func (s *Store) scanFile(f func(db *bolt.DB, sc *scan) error) error {
	return s.locked(false, func() error {
		return s.withOpenDB(false, func(db *bolt.DB) error {
			file, err := os.Open(db.Path())
			if err != nil {
				return err
			}
			defer file.Close()
			sc, err := s.newScan(file)
			if err != nil {
				return err
			}
			return f(db, sc)
		})
	})
}
