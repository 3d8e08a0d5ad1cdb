package state

import (
	"bytes"
	"errors"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
)

// RecoverReport is what Recover copied.
type RecoverReport struct {
	// Executions counts the executions copied: record, summary, index entry and the log
	// lines that were readable.
	Executions int
	// Lost counts the executions named by the index or the executions bucket whose record
	// could not be read. Executions on a damaged page that the index does not name either
	// are lost without being counted.
	Lost      int
	LogLines  int
	Flows     int // applied flows, deleted ones included (they keep the revision count)
	Schedules int // schedule entries
	KV        int // KV pairs, expired ones included (they vanish when met)
	// Problems lists the first damage met (at most 20); Damaged counts it all.
	Problems []string
	Damaged  int
}

// recoverBatch bounds how many executions Recover holds in memory and writes per transaction.
const recoverBatch = 500

// Recover copies what is readable of the state file at src into a new state file at dst,
// which must not exist yet (or be empty): every execution whose record reads whole, with its
// logs, the applied flows and the schedule entries. It reads src page by page as Check does,
// skipping damaged pages instead of trusting them, under the shared lock, and leaves it as it
// was. Concurrency slots are not copied: they belong to executions running now, and Recover
// is for a state that no flowctl process is using. On failure dst is removed again.
func Recover(src, dst string, opts Options) (RecoverReport, error) {
	s, err := inspect(src, opts)
	if err != nil {
		return RecoverReport{}, err
	}
	if st, err := os.Stat(dst); err == nil && (st.IsDir() || st.Size() > 0) {
		return RecoverReport{}, &Error{Path: dst, Msg: "already exists", Hint: "give a new file to recover into", Err: fs.ErrExist}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return RecoverReport{}, &Error{Path: dst, Msg: cause(err), Err: err}
	}
	to, err := Open(dst, Options{LockTimeout: s.opts.LockTimeout, LogCap: s.opts.LogCap, Context: s.opts.Context})
	if err != nil {
		return RecoverReport{}, err
	}
	var rep RecoverReport
	err = s.scanFile(func(_ *bolt.DB, sc *scan) error {
		if err := sc.meta(); err != nil {
			return err
		}
		r, err := sc.recoverInto(to)
		rep = r
		return err
	})
	if err == nil {
		_, _, err = to.Compact() // written in batches, it holds many free pages
	}
	if err != nil {
		os.Remove(dst)
		return RecoverReport{}, err
	}
	return rep, nil
}

// recoverInto is Recover's walk.
func (sc *scan) recoverInto(to *Store) (RecoverReport, error) {
	var rep RecoverReport
	known := map[string]bool{}
	err := sc.each(func(k, _ []byte) error {
		if len(k) > 8 {
			known[string(k[8:])] = true
		}
		return nil
	}, bucketIndex)
	if err != nil {
		return rep, err
	}

	var batch []recovered
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := to.update(func(tx *bolt.Tx) error {
			return to.guarded(tx, func(g *guard) error {
				for _, r := range batch {
					if err := to.putExec(tx, g, r.rec); err != nil {
						return err
					}
					if err := putRecoveredLogs(tx, r); err != nil {
						return err
					}
				}
				return nil
			})
		})
		batch = batch[:0]
		// Pages read for this batch are not needed again.
		clear(sc.pf.nodes)
		return err
	}
	err = sc.each(func(k, v []byte) error {
		known[string(k)] = true
		r, err := readExec(string(k), v)
		if err != nil {
			sc.problem("execution %s: %v", k, err)
			return nil
		}
		lr := recovered{rec: r}
		sc.recoverLogs(&lr)
		rep.Executions++
		rep.LogLines += len(lr.lines)
		if batch = append(batch, lr); len(batch) >= recoverBatch {
			return flush()
		}
		return nil
	}, bucketExecs)
	if err == nil {
		err = flush()
	}
	if err != nil {
		return rep, err
	}
	rep.Lost = len(known) - rep.Executions

	for _, kind := range []struct {
		bucket []byte
		check  func(k, v []byte) error
		count  *int
	}{
		{bucketFlows, func(_, v []byte) error { _, _, err := sc.s.decodeFlow(v); return err }, &rep.Flows},
		{bucketSchedules, func(k, v []byte) error { _, err := sc.s.decodeSchedule(k, v); return err }, &rep.Schedules},
		{bucketWindows, func(k, v []byte) error { _, err := sc.s.decodeWindow(k, v); return err }, new(int)},
		{bucketToggles, func(k, v []byte) error { _, err := sc.s.decodeToggle(k, v); return err }, new(int)},
	} {
		var kvs [][2][]byte
		err := sc.each(func(k, v []byte) error {
			if err := kind.check(k, v); err != nil {
				sc.problem("bucket %s: %v", kind.bucket, err)
				return nil
			}
			kvs = append(kvs, [2][]byte{k, v})
			return nil
		}, kind.bucket)
		if err != nil {
			return rep, err
		}
		*kind.count = len(kvs)
		err = to.update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(kind.bucket)
			if err != nil {
				return err
			}
			for _, kv := range kvs {
				if err := b.Put(kv[0], kv[1]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	if rep.KV, err = sc.recoverKV(to); err != nil {
		return rep, err
	}
	rep.Problems, rep.Damaged = sc.problems, sc.damaged
	return rep, nil
}

// recovered is an execution read back, with what is readable of its logs.
type recovered struct {
	rec      ExecRecord
	lines    [][2][]byte // key, value
	linesSeq uint64
	runs     [][2][]byte
}

// recoverLogs reads the log lines and tallies of r's execution that decode.
func (sc *scan) recoverLogs(r *recovered) {
	id := []byte(r.rec.ID)
	for _, part := range []struct {
		name  []byte
		check func(v []byte) error
		into  *[][2][]byte
	}{
		{bucketLines, func(v []byte) error { _, err := decodeLine(v); return err }, &r.lines},
		{bucketRuns, func(v []byte) error { _, err := readTally(v); return err }, &r.runs},
	} {
		b, ok := sc.bucket(bucketLogs, id, part.name)
		if !ok {
			continue
		}
		if bytes.Equal(part.name, bucketLines) {
			r.linesSeq = b.seq
		}
		_ = sc.each(func(k, v []byte) error {
			if err := part.check(v); err != nil {
				sc.problem("logs of execution %s: %v", id, err)
				return nil
			}
			*part.into = append(*part.into, [2][]byte{k, v})
			return nil
		}, bucketLogs, id, part.name)
	}
}

// putRecoveredLogs writes the logs of r as they were, keys and sequence included, so lines
// put later go after them.
func putRecoveredLogs(tx *bolt.Tx, r recovered) error {
	if len(r.lines) == 0 && len(r.runs) == 0 {
		return nil
	}
	eb, err := tx.Bucket(bucketLogs).CreateBucketIfNotExists([]byte(r.rec.ID))
	if err != nil {
		return err
	}
	for _, part := range []struct {
		name []byte
		kvs  [][2][]byte
	}{{bucketLines, r.lines}, {bucketRuns, r.runs}} {
		b, err := eb.CreateBucketIfNotExists(part.name)
		if err != nil {
			return err
		}
		for _, kv := range part.kvs {
			if err := b.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
	}
	return eb.Bucket(bucketLines).SetSequence(r.linesSeq)
}
