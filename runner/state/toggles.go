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

// Trigger toggles. Kestra's Toggle task enables or disables a trigger of a flow without
// changing the flow: the scheduler and the Flow triggers honour it until the next toggle.
// Each toggled trigger has an entry, kept across applies of its flow as Kestra keeps its
// trigger's context.

// bucketToggles is made on first use, like bucketSlots.
var bucketToggles = []byte("toggles")

// Toggle is the latest toggle of one trigger.
type Toggle struct {
	Namespace string    `json:"-"`
	FlowID    string    `json:"-"`
	TriggerID string    `json:"-"`
	Disabled  bool      `json:"disabled"`
	At        time.Time `json:"at"`
}

// SetToggle records the toggle of trigger ns.flowID/trigger.
func (s *Store) SetToggle(t Toggle) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	key := scheduleKey(t.Namespace, t.FlowID, t.TriggerID)
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.key(key, bucketToggles) }); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketToggles)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
}

// Toggles returns the toggles recorded, by "namespace\x00flow\x00trigger": a read of every
// trigger's at once, for a run that looks at many.
func (s *Store) Toggles() (map[string]Toggle, error) {
	out := map[string]Toggle{}
	err := s.read(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketToggles)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			t, err := s.decodeToggle(k, v)
			if err != nil {
				return err
			}
			out[string(k)] = t
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ToggleKey is the key of trigger ns.flowID/trigger in what Toggles returns.
func ToggleKey(ns, flowID, trigger string) string {
	return string(scheduleKey(ns, flowID, trigger))
}

func (s *Store) decodeToggle(k, v []byte) (Toggle, error) {
	var t Toggle
	parts := strings.SplitN(string(k), "\x00", 3)
	if len(parts) != 3 || json.Unmarshal(v, &t) != nil {
		return t, s.corrupt(fmt.Sprintf("toggle entry %q: damaged", k))
	}
	t.Namespace, t.FlowID, t.TriggerID = parts[0], parts[1], parts[2]
	return t, nil
}

// deleteFlowEntries drops the entries of flow ns.id from bucket (toggles, windows), keyed
// namespace\x00flow\x00..., within tx.
func deleteFlowEntries(tx *bolt.Tx, bucket []byte, ns, id string) error {
	b := tx.Bucket(bucket)
	if b == nil {
		return nil
	}
	prefix := []byte(ns + "\x00" + id + "\x00")
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
