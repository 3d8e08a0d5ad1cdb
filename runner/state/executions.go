package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
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
	// Documents makes the Doc of each record listed its whole document, read in full,
	// rather than its summary.
	Documents bool
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
	return s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error { return s.putExec(tx, g, r) })
	})
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
			return s.guarded(tx, func(g *guard) error {
				for _, r := range batch {
					if err := s.putExec(tx, g, r); err != nil {
						return err
					}
				}
				return nil
			})
		}); err != nil {
			return err
		}
	}
	return nil
}

// putExec writes r, its index entry and its summary within tx, checking with g the pages it
// touches first.
func (s *Store) putExec(tx *bolt.Tx, g *guard, r ExecRecord) error {
	id := []byte(r.ID)
	key := indexKey(r.StartDate, r.ID)
	for _, k := range []struct{ bucket, key []byte }{{bucketExecs, id}, {bucketSummaries, id}, {bucketIndex, key}} {
		if err := g.key(k.key, k.bucket); err != nil {
			return err
		}
	}
	execs, index := tx.Bucket(bucketExecs), tx.Bucket(bucketIndex)
	summaries, err := tx.CreateBucketIfNotExists(bucketSummaries)
	if err != nil {
		return err
	}
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
			if err := g.key(oldKey, bucketIndex); err != nil {
				return err
			}
			if err := index.Delete(oldKey); err != nil {
				return err
			}
		}
	}
	rec := encodeExec(r)
	if err := execs.Put(id, rec); err != nil {
		return err
	}
	if err := summaries.Put(id, encodeSummary(summarize(r.Doc))); err != nil {
		return err
	}
	if !r.EndDate.IsZero() {
		// An execution that ended lets go of its concurrency slot in the same transaction:
		// no crash can leave the slot held by an execution recorded as ended.
		if err := g.key(id, bucketSlots, flowKey(r.Namespace, r.FlowID)); err != nil {
			return err
		}
		if err := releaseSlot(tx, r.Namespace, r.FlowID, r.ID); err != nil {
			return err
		}
	}
	return index.Put(key, encodeIndex(r))
}

// Execution returns the execution with this id; ok is false when there is none.
func (s *Store) Execution(id string) (ExecRecord, bool, error) {
	var rec ExecRecord
	var ok bool
	err := s.read(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketExecs).Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		rec, err = s.decodeExec(id, v)
		ok = err == nil
		return err
	})
	if err != nil {
		// What an interrupted read (see Store.locked) may still write is not read.
		return ExecRecord{}, false, err
	}
	return rec, ok, nil
}

// Executions lists executions newest first (by start date, then id) that match f. The Doc
// of each is its summary: the execution document without its taskRunList (see summary.go),
// unless f.Documents asks for the whole. It walks the start-time index backwards and reads
// the summaries of those it returns, so the cost follows the limit, not the number of
// executions kept nor the size of their documents.
func (s *Store) Executions(f ListFilter) ([]ExecRecord, error) {
	var out []ExecRecord
	err := s.read(func(tx *bolt.Tx) error {
		execs, summaries := tx.Bucket(bucketExecs), tx.Bucket(bucketSummaries)
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			e, ok, err := s.decodeIndex(k, v, f)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			var doc []byte
			if summaries != nil && e.summarised && !f.Documents {
				doc = decodeSummary(summaries.Get([]byte(e.ID)))
			}
			if doc != nil {
				e.Doc = bytes.Clone(doc)
			} else {
				// No summary to read: an execution recorded by an earlier build, or a
				// listing of whole documents.
				v := execs.Get([]byte(e.ID))
				if v == nil {
					// An index entry outlived its execution: the listing is still
					// right without it, so skip it rather than refuse to list.
					continue
				}
				if f.Documents {
					e.ExecRecord, err = s.decodeExec(e.ID, v)
				} else {
					e.ExecRecord, err = s.decodeSummarised(e.ID, v)
				}
				if err != nil {
					return err
				}
			}
			out = append(out, e.ExecRecord)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PruneExecutions deletes executions, with their logs, that started before olderThan (zero:
// no age limit) or are beyond the newest keep (0: no count limit), and returns how many it
// deleted. It works in batches of short transactions, so other processes go on meanwhile.
// Once a batch is committed, the files of its executions are removed from the storage (see
// Storage): a crash in between leaves files no execution names, never an execution whose
// files are gone.
//
// It first checks, under the shared lock, every page the batches will touch (checkPrune): a
// damaged one stops it with the corrupt-state error before anything is deleted.
func (s *Store) PruneExecutions(olderThan time.Time, keep int) (int, error) {
	if olderThan.IsZero() && keep <= 0 {
		return 0, nil
	}
	var cutoff []byte
	if !olderThan.IsZero() {
		cutoff = startKey(olderThan)
	}
	last, err := s.checkPrune(cutoff, keep)
	if err != nil || last == nil {
		return 0, err
	}
	total := 0
	var filesErr error
	for {
		var deleted []ExecRecord
		more := false
		err := s.update(func(tx *bolt.Tx) error {
			victims, m := pruneVictims(tx.Bucket(bucketIndex), cutoff, keep, last)
			d, err := deleteExecs(tx, victims)
			deleted, more = d, m
			return err
		})
		if err != nil {
			return total, err
		}
		total += len(deleted)
		if err := s.removeFiles(deleted); err != nil && filesErr == nil {
			filesErr = err
		}
		if !more {
			break
		}
	}
	if total == 0 {
		return 0, nil
	}
	// The executions are gone whatever happens here; files left behind or a failed
	// compaction (the file as it was, merely larger) are reported but do not undo the count.
	return total, errors.Join(filesErr, s.compactIfWorthIt())
}

// removeFiles removes the stored files of the executions deleted, and says which could not
// be removed and where they are.
func (s *Store) removeFiles(deleted []ExecRecord) error {
	st := s.Storage()
	var failed []string
	var first error
	for _, r := range deleted {
		// The run lease a killed process left (see RunnerOf): it tells about nothing now.
		s.LeaseHeld(runLeaseName(r.ID))
		if r.Namespace == "" || r.FlowID == "" {
			continue // a record that did not decode: no folder to find
		}
		if err := st.RemoveExecution(r.Namespace, r.FlowID, r.ID); err != nil {
			failed = append(failed, r.ID)
			if first == nil {
				first = err
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("state: the files of %d pruned execution(s) (%s) not removed from %s: %w",
		len(failed), strings.Join(failed, ", "), st.Dir(), first)
}

// checkPrune checks the pages that pruning will touch (see guard): every page of the index,
// which it walks, and for each execution it will delete the paths to its record, its summary
// and its logs, and every page of its logs, which deleting frees. It reads them under the
// shared lock, so a prune of many executions holds up other processes' writes only for the
// batches themselves; what they write meanwhile passed the same checks.
func (s *Store) checkPrune(cutoff []byte, keep int) (last []byte, err error) {
	err = s.read(func(tx *bolt.Tx) error {
		g, err := s.guard(tx)
		if err != nil {
			return err
		}
		var keys [][]byte
		if err := g.keys(func(k []byte) { keys = append(keys, bytes.Clone(k)) }, bucketIndex); err != nil {
			g.f.Close()
			return err
		}
		var boundary []byte
		if keep > 0 && len(keys) >= keep {
			boundary = keys[len(keys)-keep]
		}
		var ids [][]byte
		for _, k := range keys {
			if !isVictim(k, boundary, cutoff) {
				break
			}
			ids = append(ids, k[8:])
			last = k
		}
		if err := g.victims(ids); err != nil {
			g.f.Close()
			return err
		}
		return g.close()
	})
	return last, err
}

// victims checks the pages that deleting the executions ids touches: the paths to their
// records, summaries and logs, and every page of their logs. It goes through each bucket in
// key order, so that the pages one path reads are at hand for the next.
func (g *guard) victims(ids [][]byte) error {
	slices.SortFunc(ids, bytes.Compare)
	execs, _, err := g.bucket(bucketExecs)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := g.s.checkInterrupt(); err != nil {
			return err
		}
		_, el, err := g.pf.find(execs, id, true)
		if err != nil {
			return g.fail(err)
		}
		if el == nil {
			// The store writes and deletes an execution and its index entry together:
			// an entry without its execution is a damaged key.
			return g.s.corrupt(fmt.Sprintf("the index names execution %q, which is not recorded", id))
		}
	}
	for _, b := range [][]byte{bucketSummaries, bucketLogs} {
		for _, id := range ids {
			if err := g.key(id, b); err != nil {
				return err
			}
		}
	}
	for _, id := range ids {
		// Deleting a bucket frees every page of it.
		if err := g.whole(bucketLogs, id); err != nil {
			return err
		}
	}
	return nil
}

// isVictim tells whether the execution of index key k goes: it started before the keep-th
// newest, whose key is boundary (nil: no count limit), or before cutoff (nil: no age limit).
func isVictim(k, boundary, cutoff []byte) bool {
	return boundary != nil && bytes.Compare(k, boundary) < 0 ||
		cutoff != nil && len(k) >= 8 && bytes.Compare(k[:8], cutoff) < 0
}

// pruneVictims returns the index keys of the next batch of executions to prune (at most
// pruneBatch), and whether more may follow. None is past last, the newest victim checkPrune
// checked: runs recorded meanwhile move the --keep boundary, and an execution whose pages
// were not checked is never deleted.
func pruneVictims(index *bolt.Bucket, cutoff []byte, keep int, last []byte) (victims [][]byte, more bool) {
	c := index.Cursor()
	// Both the age and the count limit cut the index (sorted by start) at one point, so the
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
	for k, _ := c.First(); k != nil && isVictim(k, boundary, cutoff) && bytes.Compare(k, last) <= 0; k, _ = c.Next() {
		if len(victims) == pruneBatch {
			return victims, true
		}
		victims = append(victims, bytes.Clone(k))
	}
	return victims, false
}

// deleteExecs deletes the executions of the index keys victims, with their summaries and
// logs, within tx, and returns those there were (their ids, namespaces and flow ids).
func deleteExecs(tx *bolt.Tx, victims [][]byte) ([]ExecRecord, error) {
	index, execs, logs := tx.Bucket(bucketIndex), tx.Bucket(bucketExecs), tx.Bucket(bucketLogs)
	summaries := tx.Bucket(bucketSummaries)
	var deleted []ExecRecord
	for _, k := range victims {
		id := k[8:]
		if err := index.Delete(k); err != nil {
			return nil, err
		}
		if v := execs.Get(id); v != nil {
			d := decoder{b: v}
			r := decodeHeader(&d)
			// The pages were checked; a record that still does not decode has no files
			// to find, and goes all the same.
			r.ID, r.Doc = string(id), nil
			deleted = append(deleted, r)
		}
		if err := execs.Delete(id); err != nil {
			return nil, err
		}
		if summaries != nil {
			if err := summaries.Delete(id); err != nil {
				return nil, err
			}
		}
		if err := logs.DeleteBucket(id); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil, err
		}
	}
	return deleted, nil
}

// recordVersion leads every encoded record, so a later format can tell old records apart.
const recordVersion = 1

// The index entry of an execution: its key is the start date and the id (indexKey), its
// value the fields executions are filtered by, then its end date. Builds before summaries
// wrote no end date, and do not read past the state: an entry with an end date was written
// with the execution's summary, by a build that keeps it up to date; one without, by an
// earlier build, whose summary (if any) is stale.
func encodeIndex(r ExecRecord) []byte {
	b := make([]byte, 0, 1+len(r.Namespace)+len(r.FlowID)+len(r.State)+3+13)
	b = append(b, recordVersion)
	b = appendString(b, r.Namespace)
	b = appendString(b, r.FlowID)
	b = appendString(b, r.State)
	return appendTime(b, r.EndDate)
}

// indexEntry is an index entry read back: the execution without its document, and whether
// its summary is up to date.
type indexEntry struct {
	ExecRecord
	summarised bool
}

// decodeIndex reads the index entry of key k and value v when it matches f (ok), without
// a single allocation when it does not: a filtered listing may walk the whole index.
func (s *Store) decodeIndex(k, v []byte, f ListFilter) (e indexEntry, ok bool, err error) {
	if len(k) <= 8 {
		return e, false, s.corrupt("execution index key too short")
	}
	d := decoder{b: v}
	if d.byte() != recordVersion {
		return e, false, s.corrupt("execution index entry of an unknown kind")
	}
	ns, flow, state := d.bytes(), d.bytes(), d.bytes()
	if e.summarised = d.err == nil && len(d.b) > 0; e.summarised {
		e.EndDate = d.time()
	}
	if d.err != nil {
		return e, false, s.corrupt("execution index entry: " + d.err.Error())
	}
	if f.Namespace != "" && string(ns) != f.Namespace ||
		f.FlowID != "" && string(flow) != f.FlowID ||
		f.State != "" && !equalFold(state, f.State) {
		return e, false, nil
	}
	e.ID, e.Namespace, e.FlowID, e.State = string(k[8:]), string(ns), string(flow), string(state)
	n := int64(binary.BigEndian.Uint64(k[:8]) ^ (1 << 63))
	e.StartDate = time.Unix(0, n).UTC()
	return e, true, nil
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

// decodeSummarised is decodeExec with the document summarised, copied out of the memory
// map without the part left out.
func (s *Store) decodeSummarised(id string, v []byte) (ExecRecord, error) {
	d := decoder{b: v}
	r := decodeHeader(&d)
	if d.err != nil {
		return ExecRecord{}, s.corrupt(fmt.Sprintf("execution %s: %v", id, d.err))
	}
	r.ID = id
	r.Doc = append([]byte{}, summarize(d.b)...)
	return r, nil
}

// equalFold compares a state name as bytes with s, ignoring ASCII case (state names are
// ASCII), without converting the bytes to a string.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	upper := func(c byte) byte {
		if 'a' <= c && c <= 'z' {
			return c - 'a' + 'A'
		}
		return c
	}
	for i := range b {
		if upper(b[i]) != upper(s[i]) {
			return false
		}
	}
	return true
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
