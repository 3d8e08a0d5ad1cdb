package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FlowRecord is a flow registered with `flowctl flow apply`. Source is the flow's YAML, all
// that trigger evaluation needs: the runner parses it again when an execution ends.
type FlowRecord struct {
	Namespace string
	ID        string
	Revision  int
	Source    []byte
	Updated   time.Time
	Disabled  bool
}

// flowValue is a flow as stored. A deleted flow stays as a tombstone holding its last
// revision, so that applying it again goes on counting (as Kestra does) and an execution's
// flowRevision never names two different sources.
type flowValue struct {
	Namespace string    `json:"namespace"`
	ID        string    `json:"id"`
	Revision  int       `json:"revision"`
	Source    []byte    `json:"source,omitempty"` // base64: a YAML file need not be valid UTF-8
	Updated   time.Time `json:"updated"`
	Disabled  bool      `json:"disabled,omitempty"`
	Deleted   bool      `json:"deleted,omitempty"`
}

func (v flowValue) record() FlowRecord {
	return FlowRecord{Namespace: v.Namespace, ID: v.ID, Revision: v.Revision,
		Source: v.Source, Updated: v.Updated, Disabled: v.Disabled}
}

func flowKey(ns, id string) []byte { return []byte(ns + "\x00" + id) }

// ApplyFlow registers a flow. A new flow gets revision 1; a changed one (source or disabled
// flag) the next revision and now as its update time; an unchanged one is left exactly as it
// was, with changed false, so `flow apply` can say so.
func (s *Store) ApplyFlow(ns, id string, source []byte, disabled bool, now time.Time) (rec FlowRecord, changed bool, err error) {
	if ns == "" || id == "" {
		return FlowRecord{}, false, errors.New("state: a flow needs a namespace and an id")
	}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlows)
		key := flowKey(ns, id)
		if err := s.guarded(tx, func(g *guard) error { return g.key(key, bucketFlows) }); err != nil {
			return err
		}
		old, found, err := s.decodeFlow(b.Get(key))
		if err != nil {
			return err
		}
		if found && !old.Deleted && bytes.Equal(old.Source, source) && old.Disabled == disabled {
			rec = old.record()
			return nil
		}
		v := flowValue{Namespace: ns, ID: id, Revision: old.Revision + 1, Source: bytes.Clone(source),
			Updated: now.UTC(), Disabled: disabled}
		buf, err := json.Marshal(v)
		if err != nil {
			return err
		}
		rec, changed = v.record(), true
		return b.Put(key, buf)
	})
	if err != nil {
		return FlowRecord{}, false, err
	}
	return rec, changed, nil
}

// Flows returns the registered flows in `namespace.id` order, the order in which Flow
// triggers fire.
func (s *Store) Flows() ([]FlowRecord, error) {
	var out []FlowRecord
	err := s.read(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFlows).ForEach(func(k, raw []byte) error {
			v, _, err := s.decodeFlow(raw)
			if err != nil || v.Deleted {
				return err
			}
			out = append(out, v.record())
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Namespace+"."+out[i].ID, out[j].Namespace+"."+out[j].ID
		if a != b {
			return a < b
		}
		return out[i].Namespace < out[j].Namespace
	})
	if err != nil {
		// What an interrupted read (see Store.locked) may still write is not read.
		return nil, err
	}
	return out, nil
}

// Flow returns one registered flow; ok is false when there is none (or it was deleted).
func (s *Store) Flow(ns, id string) (FlowRecord, bool, error) {
	var rec FlowRecord
	var ok bool
	err := s.read(func(tx *bolt.Tx) error {
		v, found, err := s.decodeFlow(tx.Bucket(bucketFlows).Get(flowKey(ns, id)))
		if err != nil {
			return err
		}
		if found && !v.Deleted {
			rec, ok = v.record(), true
		}
		return nil
	})
	if err != nil {
		return FlowRecord{}, false, err
	}
	return rec, ok, nil
}

// DeleteFlow unregisters a flow, so its triggers no longer fire; it reports whether there
// was one. Its executions stay.
func (s *Store) DeleteFlow(ns, id string) (bool, error) {
	deleted := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFlows)
		key := flowKey(ns, id)
		err := s.guarded(tx, func(g *guard) error {
			if err := g.key(key, bucketFlows); err != nil {
				return err
			}
			for _, b := range [][]byte{bucketToggles, bucketWindows} {
				if err := g.whole(b); err != nil {
					return err
				}
			}
			return g.whole(bucketSchedules)
		})
		if err != nil {
			return err
		}
		v, found, err := s.decodeFlow(b.Get(key))
		if err != nil || !found || v.Deleted {
			return err
		}
		tomb := flowValue{Namespace: ns, ID: id, Revision: v.Revision, Updated: time.Now().UTC(), Deleted: true}
		buf, err := json.Marshal(tomb)
		if err != nil {
			return err
		}
		deleted = true
		if err := deleteSchedules(tx, ns, id); err != nil {
			return err
		}
		// Its toggles and windows go too, as Kestra deletes a deleted flow's triggers: applied
		// again, it starts afresh.
		if err := deleteFlowEntries(tx, bucketToggles, ns, id); err != nil {
			return err
		}
		if err := deleteFlowEntries(tx, bucketWindows, ns, id); err != nil {
			return err
		}
		return b.Put(key, buf)
	})
	if err != nil {
		return false, err
	}
	return deleted, nil
}

func (s *Store) decodeFlow(raw []byte) (flowValue, bool, error) {
	var v flowValue
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, s.corrupt(fmt.Sprintf("flow record: %v", err))
	}
	return v, true, nil
}
