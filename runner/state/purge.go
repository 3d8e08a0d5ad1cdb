package state

import (
	"bytes"
	"errors"
	"strings"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"

	bolt "go.etcd.io/bbolt"
)

// PurgeFilter selects the executions PurgeExecutions deletes, as Kestra's repository finds
// them: started at or after From (zero: no lower bound) and ended at or before To (one that
// has not ended has no end date, and is not selected), of Namespace (a prefix, as a
// whole segment, unless FlowID is given: then that flow of that namespace exactly), in one
// of States (none: any), other than Except.
type PurgeFilter struct {
	Namespace string
	FlowID    string
	From, To  time.Time
	States    []string
	Except    string
	// Executions deletes the executions themselves, with their logs; Logs without
	// Executions deletes only their logs. Files removes their files from the storage.
	Executions, Logs, Files bool
}

// PurgeResult counts what PurgeExecutions deleted.
type PurgeResult struct {
	Executions int
	Logs       int
	Files      int
}

// match tells whether the index entry e is selected by f.
func (f PurgeFilter) match(e indexEntry) bool {
	if e.ID == f.Except || e.EndDate.IsZero() || e.EndDate.After(f.To) {
		return false // running, paused or cut off, or ended after To
	}
	if f.FlowID != "" {
		if e.Namespace != f.Namespace || e.FlowID != f.FlowID {
			return false
		}
	} else if f.Namespace != "" && e.Namespace != f.Namespace && !strings.HasPrefix(e.Namespace, f.Namespace+".") {
		return false
	}
	if len(f.States) == 0 {
		return true
	}
	for _, s := range f.States {
		if strings.EqualFold(s, e.State) {
			return true
		}
	}
	return false
}

// PurgeExecutions deletes what f selects, as `executions prune` does: every page it will
// touch is first checked under the shared lock (a damaged one stops it before anything is
// deleted), then it deletes in batches of short transactions, and removes the files of each
// batch once that batch is committed.
func (s *Store) PurgeExecutions(f PurgeFilter) (PurgeResult, error) {
	var res PurgeResult
	if !f.Executions && !f.Logs && !f.Files {
		return res, nil
	}
	var victims [][]byte
	err := s.read(func(tx *bolt.Tx) error {
		g, err := s.guard(tx)
		if err != nil {
			return err
		}
		var keys [][]byte
		if err := g.keys(func(k []byte) { keys = append(keys, bytes.Clone(k)) }, bucketIndex); err != nil {
			g.f.Close()
			return err
		}
		index := tx.Bucket(bucketIndex)
		from, to := startKey(f.From), startKey(f.To)
		var ids [][]byte
		for _, k := range keys {
			if len(k) < 8 || !f.From.IsZero() && bytes.Compare(k[:8], from) < 0 || bytes.Compare(k[:8], to) > 0 {
				continue
			}
			e, _, err := s.decodeIndex(k, index.Get(k), ListFilter{})
			if err != nil {
				g.f.Close()
				return err
			}
			if f.match(e) {
				victims = append(victims, k)
				ids = append(ids, k[8:])
			}
		}
		if err := g.victims(ids); err != nil {
			g.f.Close()
			return err
		}
		return g.close()
	})
	if err != nil || len(victims) == 0 {
		return res, err
	}
	var filesErr error
	for len(victims) > 0 {
		batch := victims[:min(pruneBatch, len(victims))]
		victims = victims[len(batch):]
		var done []ExecRecord
		err := s.update(func(tx *bolt.Tx) error {
			index, logs := tx.Bucket(bucketIndex), tx.Bucket(bucketLogs)
			var keep [][]byte
			for _, k := range batch {
				v := index.Get(k)
				if v == nil {
					continue // deleted meanwhile
				}
				// Checked under the shared lock; what changed since is read again.
				if e, _, err := s.decodeIndex(k, v, ListFilter{}); err != nil || !f.match(e) {
					continue
				}
				if eb := logs.Bucket(k[8:]); eb != nil && (f.Logs || f.Executions) {
					if lines := eb.Bucket(bucketLines); lines != nil {
						res.Logs += lines.Stats().KeyN
					}
				}
				keep = append(keep, k)
			}
			if f.Executions {
				d, err := deleteExecs(tx, keep)
				done = d
				return err
			}
			for _, k := range keep {
				e, _, _ := s.decodeIndex(k, index.Get(k), ListFilter{})
				done = append(done, e.ExecRecord)
				if !f.Logs {
					continue
				}
				if err := logs.DeleteBucket(k[8:]); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		if f.Executions {
			res.Executions += len(done)
		}
		if f.Files {
			for _, r := range done {
				if files, err := s.Storage().List(r.Namespace, r.FlowID, r.ID); err == nil {
					res.Files += len(files)
				}
			}
			if err := s.removeFiles(done); err != nil && filesErr == nil {
				filesErr = err
			}
		}
	}
	return res, errors.Join(filesErr, s.compactIfWorthIt())
}
