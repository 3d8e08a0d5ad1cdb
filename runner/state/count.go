package state

import (
	"bytes"
	"cmp"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ExecutionCount is how many executions of one flow a count found.
type ExecutionCount struct {
	Namespace string
	FlowID    string
	Count     int64
}

// CountExecutions counts, by flow, the executions that started between from and to (both
// included) and that keep takes (nil: all), sorted by namespace then flow. It walks the
// start-time index between the two dates only, and reads no execution document.
func (s *Store) CountExecutions(from, to time.Time, keep func(namespace, flowID, state string) bool) ([]ExecutionCount, error) {
	counts := map[[2]string]int64{}
	end := startKey(to)
	err := s.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Seek(startKey(from)); k != nil; k, v = c.Next() {
			if len(k) >= 8 && bytes.Compare(k[:8], end) > 0 {
				break
			}
			e, _, err := s.decodeIndex(k, v, ListFilter{})
			if err != nil {
				return err
			}
			if keep == nil || keep(e.Namespace, e.FlowID, e.State) {
				counts[[2]string{e.Namespace, e.FlowID}]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]ExecutionCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, ExecutionCount{Namespace: k[0], FlowID: k[1], Count: n})
	}
	slices.SortFunc(out, func(a, b ExecutionCount) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.FlowID, b.FlowID))
	})
	return out, nil
}
