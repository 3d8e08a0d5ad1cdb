package state

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ReplaceExecution puts r in place of the recorded execution r.ID, in one transaction, only
// while its record is still was, byte for byte (its document and listing fields): what a
// restart does to claim an execution it planned from was, so that a second restart of it,
// or a process still writing it, makes the claim fail rather than two runs of one
// execution. It reports whether r was put.
func (s *Store) ReplaceExecution(r, was ExecRecord) (bool, error) {
	if err := checkID(r.ID); err != nil {
		return false, err
	}
	put := false
	err := s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error {
			id := []byte(r.ID)
			if err := g.key(id, bucketExecs); err != nil {
				return err
			}
			v := tx.Bucket(bucketExecs).Get(id)
			if v == nil {
				return nil
			}
			d := decoder{b: v}
			h := decodeHeader(&d)
			if d.err != nil {
				return s.corrupt(fmt.Sprintf("execution %s: %v", r.ID, d.err))
			}
			if h.State != was.State || !h.StartDate.Equal(was.StartDate) || !h.EndDate.Equal(was.EndDate) || !bytes.Equal(d.b, was.Doc) {
				return nil
			}
			put = true
			return s.putExec(tx, g, r)
		})
	})
	if err != nil {
		return false, err
	}
	return put, nil
}
