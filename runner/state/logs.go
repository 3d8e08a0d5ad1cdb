package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/flowctl/flowctl/internal/units"
)

// LogEntry is one line a task run logged.
type LogEntry struct {
	TaskRunID string
	Time      time.Time
	Level     string
	Message   string
	// Cut, when not zero, makes the entry no line but a count: the writer dropped that many
	// bytes of the task run's messages here (it keeps the same cap in memory). The state
	// cuts the log at this point, as if it had dropped them itself.
	Cut uint64
}

// An execution's logs live in a bucket of its own under bucketLogs (so prune drops them in
// one call), holding two buckets: the lines in the order they were put, and a tally per
// task run of the bytes kept and cut.
var (
	bucketLines = []byte("lines")
	bucketRuns  = []byte("runs")
)

// MarkerLevel is the level of the line that stands where a task run's log was cut.
const MarkerLevel = "WARN"

// tally is what has been kept of one task run's log, and where and how much was cut.
type tally struct {
	kept, cut  uint64
	marker     uint64 // sequence number of the marker line; 0 until the log is cut
	markerTime time.Time
}

// PutLogs appends log lines to an execution that is already recorded, in one transaction.
// Each task run keeps its first LogCap bytes of messages (1 MiB by default); the lines past
// that are dropped whole and one marker line, where the first was dropped, says how many
// bytes were not kept. Every call costs an fsync, so callers put lines in batches (a task
// run's worth, say), not one at a time.
func (s *Store) PutLogs(execID string, entries []LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error { return s.putLogs(tx, g, execID, entries) })
	})
}

// PutExecutionLogs records an execution and appends its log lines in one transaction: what
// a run does when it ends, so that recording it costs one fsync, not two.
func (s *Store) PutExecutionLogs(r ExecRecord, entries []LogEntry) error {
	if err := checkID(r.ID); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error {
			if err := s.putExec(tx, g, r); err != nil {
				return err
			}
			if len(entries) == 0 {
				return nil
			}
			return s.putLogs(tx, g, r.ID, entries)
		})
	})
}

// putLogs appends entries to the logs of execID within tx, checking with g the pages it
// touches first: the path to the execution's bucket, to the end of its lines, and to the tally
// of each task run.
func (s *Store) putLogs(tx *bolt.Tx, g *guard, execID string, entries []LogEntry) error {
	limit := uint64(s.opts.LogCap)
	id := []byte(execID)
	if err := g.key(id, bucketLogs); err != nil {
		return err
	}
	if err := g.key(seqKey(math.MaxUint64), bucketLogs, id, bucketLines); err != nil {
		return err
	}
	checked := map[string]bool{}
	for _, e := range entries {
		if !checked[e.TaskRunID] {
			if err := g.key(runKey(e.TaskRunID), bucketLogs, id, bucketRuns); err != nil {
				return err
			}
			checked[e.TaskRunID] = true
		}
	}
	{
		// Logs of an execution that is not recorded would never be pruned.
		if tx.Bucket(bucketExecs).Get([]byte(execID)) == nil {
			return fmt.Errorf("execution %s is not recorded: put the execution before its logs", execID)
		}
		eb, err := tx.Bucket(bucketLogs).CreateBucketIfNotExists([]byte(execID))
		if err != nil {
			return err
		}
		lines, err := eb.CreateBucketIfNotExists(bucketLines)
		if err != nil {
			return err
		}
		lines.FillPercent = 0.9 // keys only grow
		runs, err := eb.CreateBucketIfNotExists(bucketRuns)
		if err != nil {
			return err
		}
		tallies := map[string]*tally{}
		for _, e := range entries {
			t := tallies[e.TaskRunID]
			if t == nil {
				if t, err = s.decodeTally(runs.Get(runKey(e.TaskRunID))); err != nil {
					return err
				}
				tallies[e.TaskRunID] = t
			}
			size := uint64(len(e.Message))
			if e.Cut > 0 {
				size = e.Cut
			}
			if t.marker == 0 && (e.Cut > 0 || t.kept+size > limit) {
				// The marker takes the place of the first line dropped; its text is
				// written below, once the count of bytes cut is known.
				if t.marker, err = lines.NextSequence(); err != nil {
					return err
				}
				t.markerTime = e.Time
			}
			if t.marker != 0 {
				t.cut += size
				continue
			}
			t.kept += size
			seq, err := lines.NextSequence()
			if err != nil {
				return err
			}
			if err := lines.Put(seqKey(seq), encodeLine(e)); err != nil {
				return err
			}
		}
		for id, t := range tallies {
			if err := runs.Put(runKey(id), encodeTally(t)); err != nil {
				return err
			}
			if t.marker == 0 {
				continue
			}
			m := LogEntry{TaskRunID: id, Time: t.markerTime, Level: MarkerLevel,
				Message: fmt.Sprintf("… log cut at %s: %d more bytes not kept", units.Bytes(limit), t.cut)}
			if err := lines.Put(seqKey(t.marker), encodeLine(m)); err != nil {
				return err
			}
		}
		return nil
	}
}

// Logs returns an execution's log lines, in the order they were put, with a marker line
// where a task run's log was cut. An execution without logs has none: no error.
func (s *Store) Logs(execID string) ([]LogEntry, error) {
	out, _, err := s.LogsAfter(execID, 0)
	return out, err
}

// LogsAfter returns the log lines of an execution put after position pos (0: all of them),
// and the position of the last line, to pass on the next call: what a reader following a
// running execution calls. Lines are only appended, except a marker line, whose count of
// bytes cut grows when more lines of its task run are put past the cap (a flowctl run puts
// its marker once, with the execution's end).
func (s *Store) LogsAfter(execID string, pos uint64) ([]LogEntry, uint64, error) {
	var out []LogEntry
	last := pos
	err := s.read(func(tx *bolt.Tx) error {
		eb := tx.Bucket(bucketLogs).Bucket([]byte(execID))
		if eb == nil {
			return nil
		}
		lines := eb.Bucket(bucketLines)
		if lines == nil {
			return s.corrupt(fmt.Sprintf("logs of execution %s: no lines bucket", execID))
		}
		c := lines.Cursor()
		for k, v := c.Seek(seqKey(pos + 1)); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				return s.corrupt(fmt.Sprintf("log line of execution %s: key of %d bytes", execID, len(k)))
			}
			e, err := decodeLine(v)
			if err != nil {
				return s.corrupt(fmt.Sprintf("log line of execution %s: %v", execID, err))
			}
			out = append(out, e)
			last = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	if err != nil {
		return nil, pos, err
	}
	return out, last, nil
}

// runKey prefixes the task run id, because a bbolt key cannot be empty and an execution's
// own lines (outside any task run) have an empty one.
func runKey(taskRunID string) []byte { return append([]byte{'r'}, taskRunID...) }

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func encodeLine(e LogEntry) []byte {
	b := make([]byte, 0, 24+len(e.TaskRunID)+len(e.Level)+len(e.Message))
	b = appendString(b, e.TaskRunID)
	b = appendTime(b, e.Time)
	b = appendString(b, e.Level)
	return appendString(b, e.Message)
}

func decodeLine(v []byte) (LogEntry, error) {
	d := decoder{b: v}
	e := LogEntry{TaskRunID: d.string(), Time: d.time(), Level: d.string(), Message: d.string()}
	return e, d.err
}

func encodeTally(t *tally) []byte {
	b := binary.BigEndian.AppendUint64(nil, t.kept)
	b = binary.BigEndian.AppendUint64(b, t.cut)
	b = binary.BigEndian.AppendUint64(b, t.marker)
	return appendTime(b, t.markerTime)
}

func (s *Store) decodeTally(v []byte) (*tally, error) {
	if v == nil {
		return &tally{}, nil
	}
	t, err := readTally(bytes.Clone(v))
	if err != nil {
		return nil, s.corrupt("log tally: " + err.Error())
	}
	return t, nil
}

func readTally(v []byte) (*tally, error) {
	d := decoder{b: v}
	t := &tally{kept: d.uint64(), cut: d.uint64(), marker: d.uint64()}
	t.markerTime = d.time()
	return t, d.err
}

// MaskLogs rewrites, through mask, the messages of the log lines execution execID already
// has: a value registered for masking while the execution ran (a password a task rendered
// from an input) must not stay in the lines written before it was known.
func (s *Store) MaskLogs(execID string, mask func(string) string) error {
	id := []byte(execID)
	return s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error {
			if err := g.whole(bucketLogs, id, bucketLines); err != nil {
				return err
			}
			eb := tx.Bucket(bucketLogs).Bucket(id)
			if eb == nil {
				return nil
			}
			lines := eb.Bucket(bucketLines)
			if lines == nil {
				return nil
			}
			type change struct{ k, v []byte }
			var changes []change
			err := lines.ForEach(func(k, v []byte) error {
				e, err := decodeLine(v)
				if err != nil {
					return err
				}
				if m := mask(e.Message); m != e.Message {
					e.Message = m
					changes = append(changes, change{bytes.Clone(k), encodeLine(e)})
				}
				return nil
			})
			if err != nil {
				return err
			}
			// Put after the walk: bbolt's cursor does not survive changes under it.
			for _, c := range changes {
				if err := lines.Put(c.k, c.v); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
