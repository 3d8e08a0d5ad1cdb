package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Multiple-condition windows. A Flow trigger with a MultipleCondition condition or with
// preconditions fires once every one of its conditions was met by an ended execution within
// a time window: each window keeps which conditions were met so far, between executions
// and between processes (one `flowctl run` may meet the first condition, another the
// second). As in Kestra, a window is keyed by the listening flow and the condition's id.

// bucketWindows is made on first use, like bucketSlots.
var bucketWindows = []byte("windows")

// WindowRecord is one window of a multiple condition and what was met within it.
type WindowRecord struct {
	Namespace   string `json:"-"`
	FlowID      string `json:"-"`
	ConditionID string `json:"-"`
	// Start and End bound the window; it is valid strictly between them, as in Kestra.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Results holds the keys of the conditions met within the window (always true).
	Results map[string]bool `json:"results"`
}

// Valid reports whether the window is open at now: strictly after Start and before End.
func (w WindowRecord) Valid(now time.Time) bool {
	return now.After(w.Start) && now.Before(w.End)
}

func windowKey(ns, flowID, condID string) []byte {
	return []byte(ns + "\x00" + flowID + "\x00" + condID)
}

// UpdateWindows lets fn change the windows of flow ns.flowID in one write transaction: fn
// gets the stored ones by condition id and returns the ones to write (nil: delete it);
// windows it does not name stay as they are. Two processes whose executions end at once
// thus never both see a window fulfilled. The windows of any flow that ended by now go in
// the same transaction, as Kestra purges expired windows at each evaluation.
func (s *Store) UpdateWindows(ns, flowID string, now time.Time, fn func(cur map[string]WindowRecord) (map[string]*WindowRecord, error)) error {
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.whole(bucketWindows) }); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketWindows)
		if err != nil {
			return err
		}
		cur, err := s.flowWindows(b, ns, flowID)
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if err := s.dropEnded(b, now); err != nil {
			return err
		}
		for id, w := range next {
			key := windowKey(ns, flowID, id)
			if w == nil {
				if err := b.Delete(key); err != nil {
					return err
				}
				continue
			}
			v, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if err := b.Put(key, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Windows returns every stored window, in namespace, flow and condition order.
func (s *Store) Windows() ([]WindowRecord, error) {
	var out []WindowRecord
	err := s.read(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWindows)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			w, err := s.decodeWindow(k, v)
			if err != nil {
				return err
			}
			out = append(out, w)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dropEnded deletes the windows that ended by now.
func (s *Store) dropEnded(b *bolt.Bucket, now time.Time) error {
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		w, err := s.decodeWindow(k, v)
		if err != nil {
			return err
		}
		if !w.End.After(now) {
			old = append(old, slices.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// flowWindows reads the windows of one flow, by condition id.
func (s *Store) flowWindows(b *bolt.Bucket, ns, flowID string) (map[string]WindowRecord, error) {
	prefix := []byte(ns + "\x00" + flowID + "\x00")
	out := map[string]WindowRecord{}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		w, err := s.decodeWindow(k, v)
		if err != nil {
			return nil, err
		}
		out[w.ConditionID] = w
	}
	return out, nil
}

func (s *Store) decodeWindow(k, v []byte) (WindowRecord, error) {
	var w WindowRecord
	parts := strings.SplitN(string(k), "\x00", 3)
	if len(parts) != 3 || json.Unmarshal(v, &w) != nil {
		return w, s.corrupt(fmt.Sprintf("window entry %q: damaged", k))
	}
	w.Namespace, w.FlowID, w.ConditionID = parts[0], parts[1], parts[2]
	return w, nil
}
