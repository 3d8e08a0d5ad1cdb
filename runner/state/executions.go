package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ExecRecord is one execution: its execution document, byte for byte as the caller gave it,
// and the fields needed to list and filter executions without decoding documents.
type ExecRecord struct {
	ID        string
	Namespace string
	FlowID    string
	State     string
	StartDate time.Time
	EndDate   time.Time
	// Doc is the execution JSON document. The store never reads or logs it; callers mask
	// secrets before it gets here.
	Doc []byte
}

// ListFilter selects executions; empty fields match everything.
type ListFilter struct {
	Namespace string
	FlowID    string
	State     string // compared without regard to case
	Limit     int    // 0 (or less) = no limit
}

// pruneBatch bounds how many executions one prune transaction deletes, so that the lock
// is let go now and then and a run that ends meanwhile is not kept waiting.
const pruneBatch = 1000

// PutExecution inserts or replaces an execution: callers put it RUNNING when it starts and
// again in its final state when it ends, so one cut off by a crash is found RUNNING. Each
// call is one small transaction, fsync'ed before it returns.
func (s *Store) PutExecution(r ExecRecord) error {
	if err := checkID(r.ID); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error { return s.putExec(tx, r) })
}

// checkID refuses ids bbolt cannot key.
func checkID(id string) error {
	if id == "" {
		return errors.New("state: execution without an id")
	}
	if len(id) > 1024 {
		return fmt.Errorf("state: execution id of %d bytes, too long", len(id))
	}
	return nil
}

// PutExecutions inserts or replaces many executions, in transactions of up to 10,000: for
// imports and for building large states in benchmarks, where one fsync per execution would
// take minutes.
func (s *Store) PutExecutions(recs []ExecRecord) error {
	for len(recs) > 0 {
		batch := recs[:min(len(recs), 10000)]
		recs = recs[len(batch):]
		if err := s.update(func(tx *bolt.Tx) error {
			for _, r := range batch {
				if err := s.putExec(tx, r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) putExec(tx *bolt.Tx, r ExecRecord) error {
	id := []byte(r.ID)
	key := indexKey(r.StartDate, r.ID)
	execs, index := tx.Bucket(bucketExecs), tx.Bucket(bucketIndex)
	// Keys grow with time, so full pages split at the end: pack them.
	index.FillPercent = 0.9
	if old := execs.Get(id); old != nil {
		d := decoder{b: old}
		h := decodeHeader(&d)
		if d.err != nil {
			return s.corrupt(fmt.Sprintf("execution %s: %v", r.ID, d.err))
		}
		// A record put again with another start date must not leave its old index
		// entry behind.
		if oldKey := indexKey(h.StartDate, r.ID); !bytes.Equal(oldKey, key) {
			if err := index.Delete(oldKey); err != nil {
				return err
			}
		}
	}
	if err := execs.Put(id, encodeExec(r)); err != nil {
		return err
	}
	if !r.EndDate.IsZero() {
		// An execution that ended lets go of its concurrency slot in the same transaction:
		// no crash can leave the slot held by an execution recorded as ended.
		if err := releaseSlot(tx, r.Namespace, r.FlowID, r.ID); err != nil {
			return err
		}
	}
	return index.Put(key, encodeIndex(r))
}

// Execution returns the execution with this id; ok is false when there is none.
func (s *Store) Execution(id string) (rec ExecRecord, ok bool, err error) {
	err = s.read(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketExecs).Get([]byte(id))
		if v == nil {
			return nil
		}
		rec, err = s.decodeExec(id, v)
		ok = err == nil
		return err
	})
	return rec, ok, err
}

// Executions lists executions newest first (by start date, then id) that match f. It walks
// the start-time index backwards and reads only the documents it returns, so the cost
// follows the limit, not the number of executions kept.
func (s *Store) Executions(f ListFilter) ([]ExecRecord, error) {
	ns, flow := []byte(f.Namespace), []byte(f.FlowID)
	var out []ExecRecord
	err := s.read(func(tx *bolt.Tx) error {
		execs := tx.Bucket(bucketExecs)
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if len(k) <= 8 {
				return s.corrupt("execution index key too short")
			}
			d := decoder{b: v}
			if d.byte() != recordVersion {
				return s.corrupt("execution index entry of an unknown kind")
			}
			rns, rflow, rstate := d.bytes(), d.bytes(), d.bytes()
			if d.err != nil {
				return s.corrupt("execution index entry: " + d.err.Error())
			}
			if len(ns) > 0 && !bytes.Equal(rns, ns) ||
				len(flow) > 0 && !bytes.Equal(rflow, flow) ||
				f.State != "" && !strings.EqualFold(string(rstate), f.State) {
				continue
			}
			id := k[8:]
			v := execs.Get(id)
			if v == nil {
				// An index entry outlived its execution: the listing is still right
				// without it, so skip it rather than refuse to list.
				continue
			}
			rec, err := s.decodeExec(string(id), v)
			if err != nil {
				return err
			}
			out = append(out, rec)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// PruneExecutions deletes executions, with their logs, that started before olderThan (zero:
// no age limit) or are beyond the newest keep (0: no count limit), and returns how many it
// deleted. It works in batches of short transactions, so other processes go on meanwhile.
func (s *Store) PruneExecutions(olderThan time.Time, keep int) (int, error) {
	if olderThan.IsZero() && keep <= 0 {
		return 0, nil
	}
	var cutoff []byte
	if !olderThan.IsZero() {
		cutoff = startKey(olderThan)
	}
	total := 0
	for {
		n, more := 0, false
		err := s.update(func(tx *bolt.Tx) error {
			index, execs, logs := tx.Bucket(bucketIndex), tx.Bucket(bucketExecs), tx.Bucket(bucketLogs)
			c := index.Cursor()
			// Everything older than the keep-th newest entry is beyond keep. Both the age
			// and the count limit cut the index (sorted by start) at one point, so the
			// victims are a run from its oldest end.
			var boundary []byte
			if keep > 0 {
				i := 0
				for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
					if i++; i == keep {
						boundary = bytes.Clone(k)
						break
					}
				}
			}
			var victims [][]byte
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				beyondKeep := boundary != nil && bytes.Compare(k, boundary) < 0
				tooOld := cutoff != nil && len(k) >= 8 && bytes.Compare(k[:8], cutoff) < 0
				if !beyondKeep && !tooOld {
					break
				}
				if len(victims) == pruneBatch {
					more = true
					break
				}
				victims = append(victims, bytes.Clone(k))
			}
			for _, k := range victims {
				id := k[8:]
				if err := index.Delete(k); err != nil {
					return err
				}
				if err := execs.Delete(id); err != nil {
					return err
				}
				if err := logs.DeleteBucket(id); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
					return err
				}
			}
			n = len(victims)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if !more {
			break
		}
	}
	if total == 0 {
		return 0, nil
	}
	// The executions are gone whatever happens here; a failed compaction leaves the file
	// as it was, merely larger, so it is reported but does not undo the count.
	return total, s.compactIfWorthIt()
}

// recordVersion leads every encoded record, so a later format can tell old records apart.
const recordVersion = 1

func encodeIndex(r ExecRecord) []byte {
	b := make([]byte, 0, 1+len(r.Namespace)+len(r.FlowID)+len(r.State)+3)
	b = append(b, recordVersion)
	b = appendString(b, r.Namespace)
	b = appendString(b, r.FlowID)
	return appendString(b, r.State)
}

func encodeExec(r ExecRecord) []byte {
	b := make([]byte, 0, 32+len(r.Namespace)+len(r.FlowID)+len(r.State)+len(r.Doc))
	b = append(b, recordVersion)
	b = appendString(b, r.Namespace)
	b = appendString(b, r.FlowID)
	b = appendString(b, r.State)
	b = appendTime(b, r.StartDate)
	b = appendTime(b, r.EndDate)
	return append(b, r.Doc...)
}

// decodeHeader reads an execution record up to its document, which is the rest of d.
func decodeHeader(d *decoder) ExecRecord {
	var r ExecRecord
	if d.byte() != recordVersion {
		if d.err == nil {
			d.err = errors.New("record of an unknown kind")
		}
		return r
	}
	r.Namespace = d.string()
	r.FlowID = d.string()
	r.State = d.string()
	r.StartDate = d.time()
	r.EndDate = d.time()
	return r
}

// decodeExec copies the record out of the database's memory map, which is gone once the
// transaction ends.
func (s *Store) decodeExec(id string, v []byte) (ExecRecord, error) {
	d := decoder{b: v}
	r := decodeHeader(&d)
	if d.err != nil {
		return ExecRecord{}, s.corrupt(fmt.Sprintf("execution %s: %v", id, d.err))
	}
	r.ID = id
	r.Doc = bytes.Clone(d.b)
	if r.Doc == nil {
		r.Doc = []byte{}
	}
	return r, nil
}

// startKey orders times as unsigned big-endian bytes: nanoseconds since 1970 with the sign
// bit flipped, clamped to what int64 nanoseconds can hold (years 1678 to 2262), so the zero
// time sorts first.
func startKey(t time.Time) []byte {
	var n int64
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		n = math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(nil, uint64(n)^(1<<63))
}

func indexKey(start time.Time, id string) []byte {
	return append(startKey(start), id...)
}
