package state

import (
	"bytes"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// LogPurgeFilter selects the log lines PurgeLogs deletes: those written between From (zero:
// no lower bound) and To, both included, at one of Levels (none: any), by the executions of
// Namespace exactly (empty: every namespace) and of FlowID (empty: any), other than Except:
// Kestra's repository compares the namespace whole, though its doc speaks of a prefix.
type LogPurgeFilter struct {
	Namespace string
	FlowID    string
	Levels    []string
	From, To  time.Time
	Except    string
}

func (f LogPurgeFilter) execution(e indexEntry) bool {
	if e.ID == f.Except {
		return false
	}
	return (f.Namespace == "" || e.Namespace == f.Namespace) && (f.FlowID == "" || e.FlowID == f.FlowID)
}

func (f LogPurgeFilter) line(l LogEntry) bool {
	if !f.From.IsZero() && l.Time.Before(f.From) || l.Time.After(f.To) {
		return false
	}
	if len(f.Levels) == 0 {
		return true
	}
	for _, lv := range f.Levels {
		if strings.EqualFold(lv, l.Level) {
			return true
		}
	}
	return false
}

// PurgeLogs deletes the log lines f selects and returns how many went. As PurgeExecutions,
// it first checks under the shared lock every page of the logs it will go through (a damaged
// one stops it before anything is deleted), then deletes in batches of short transactions.
// A task run's record of the bytes it logged stays: the log cap counts what was written.
func (s *Store) PurgeLogs(f LogPurgeFilter) (int, error) {
	var ids [][]byte
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
		index, logs := tx.Bucket(bucketIndex), tx.Bucket(bucketLogs)
		to := startKey(f.To)
		for _, k := range keys {
			// An execution that started after To wrote no line before it.
			if len(k) < 8 || bytes.Compare(k[:8], to) > 0 {
				continue
			}
			e, _, err := s.decodeIndex(k, index.Get(k), ListFilter{})
			if err != nil {
				g.f.Close()
				return err
			}
			if !f.execution(e) || logs.Bucket(k[8:]) == nil {
				continue
			}
			if err := g.key(k[8:], bucketLogs); err != nil {
				g.f.Close()
				return err
			}
			if err := g.whole(bucketLogs, k[8:]); err != nil {
				g.f.Close()
				return err
			}
			ids = append(ids, k[8:])
		}
		return g.close()
	})
	if err != nil {
		return 0, err
	}
	total := 0
	const batch = 100 // executions a transaction, so other processes go on meanwhile
	for len(ids) > 0 {
		part := ids[:min(batch, len(ids))]
		ids = ids[len(part):]
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			logs := tx.Bucket(bucketLogs)
			for _, id := range part {
				eb := logs.Bucket(id)
				if eb == nil {
					continue // its execution was pruned meanwhile
				}
				lines := eb.Bucket(bucketLines)
				if lines == nil {
					continue
				}
				var gone [][]byte
				err := lines.ForEach(func(k, v []byte) error {
					l, err := decodeLine(v)
					if err != nil {
						return s.corrupt("log line of execution " + string(id) + ": " + err.Error())
					}
					if f.line(l) {
						gone = append(gone, bytes.Clone(k))
					}
					return nil
				})
				if err != nil {
					return err
				}
				for _, k := range gone {
					if err := lines.Delete(k); err != nil {
						return err
					}
				}
				n += len(gone)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	if total == 0 {
		return 0, nil
	}
	return total, s.compactIfWorthIt()
}
