package state

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Concurrency slots. A flow with `concurrency: {limit: N}` lets N of its executions run at
// once across every process sharing the state. Each execution that runs holds a slot; one
// that waits (behavior QUEUE) holds a place in line. Both live in a bucket per flow under
// bucketSlots, keyed by execution id, and name the process that holds them, so that a slot
// held by a process that died (kill -9, a reboot) is found and freed instead of blocking the
// flow for ever. An execution's slot is freed in the transaction that records its end.

// bucketSlots is made on first use, so that states written before slots existed need no
// upgrade.
var bucketSlots = []byte("slots")

// Holder is the process an execution runs in, as another process can check it is alive.
type Holder struct {
	PID int
	// BootID identifies the boot of the machine: after a reboot no holder of the last boot
	// is alive, whatever its pid. Empty where the system does not tell.
	BootID string
	// Start is when the process started, in the system's own unit (clock ticks since boot
	// on Linux): a pid reused by another process has another start. 0 where unknown.
	Start uint64
	// Since is when the slot or the place in line was taken.
	Since time.Time
	// Lease names the lock file the holder keeps locked while it (or a task process of
	// it) lives: see Lease.
	Lease string
}

// Slot is one execution holding a slot of a flow, or waiting for one.
type Slot struct {
	ExecID string
	Holder Holder
	// Queued is the place in line of a waiting execution (lower goes first); 0 for one that
	// holds a running slot.
	Queued uint64
}

// SlotResult is what AcquireSlot did.
type SlotResult struct {
	// Acquired is true when the execution now holds a slot.
	Acquired bool
	// Holders are the executions holding the flow's slots when none was free.
	Holders []Slot
	// Ahead counts the executions waiting in line before this one.
	Ahead int
	// Released are the slots and places found held by processes that are gone, freed.
	Released []Slot
	// place is the execution's place in line, 0 when it has none.
	place uint64
}

// AcquireSlot tries to take one of the limit slots of flow ns.id for execution execID
// running in process h. Slots and places that alive reports gone (Store.SlotAlive: their
// lease is no longer held) are freed first. A
// free slot goes to the execution first in line: with queue set, an execution that gets none
// takes (or keeps) its place in line, to be tried again. A try that would change nothing (the
// line has not moved) is a read transaction only, so waiting executions can try often.
func (s *Store) AcquireSlot(ns, id, execID string, h Holder, limit int, queue bool, alive func(Slot) bool) (SlotResult, error) {
	var res SlotResult
	var write bool
	err := s.read(func(tx *bolt.Tx) error {
		var b *bolt.Bucket
		if root := tx.Bucket(bucketSlots); root != nil {
			b = root.Bucket(flowKey(ns, id))
		}
		var err error
		res, write, err = s.planSlot(b, ns, id, execID, limit, queue, alive)
		return err
	})
	if err != nil {
		// What an interrupted read (see Store.locked) may still write is not read.
		return SlotResult{}, err
	}
	if !write {
		return res, nil
	}
	err = s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.whole(bucketSlots, flowKey(ns, id)) }); err != nil {
			return err
		}
		root, err := tx.CreateBucketIfNotExists(bucketSlots)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists(flowKey(ns, id))
		if err != nil {
			return err
		}
		// Plan again: another process may have moved the line since the read.
		res, _, err = s.planSlot(b, ns, id, execID, limit, queue, alive)
		if err != nil {
			return err
		}
		for _, sl := range res.Released {
			if err := b.Delete([]byte(sl.ExecID)); err != nil {
				return err
			}
		}
		switch {
		case res.Acquired:
			return b.Put([]byte(execID), encodeSlot(Slot{ExecID: execID, Holder: h}))
		case queue && res.place == 0:
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			return b.Put([]byte(execID), encodeSlot(Slot{ExecID: execID, Holder: h, Queued: seq}))
		}
		return nil
	})
	if err != nil {
		return SlotResult{}, err
	}
	return res, nil
}

// planSlot works out what AcquireSlot does with the slots in b (nil: none yet), and whether
// that changes anything.
func (s *Store) planSlot(b *bolt.Bucket, ns, id, execID string, limit int, queue bool, alive func(Slot) bool) (res SlotResult, write bool, err error) {
	var running, waiting []Slot
	var mine *Slot
	if b != nil {
		err = b.ForEach(func(k, v []byte) error {
			sl, err := decodeSlot(k, v)
			if err != nil {
				return s.corrupt(fmt.Sprintf("concurrency slot of %s.%s: %v", ns, id, err))
			}
			switch {
			case sl.ExecID == execID:
				mine = &sl
			case !alive(sl):
				res.Released = append(res.Released, sl)
			case sl.Queued == 0:
				running = append(running, sl)
			default:
				waiting = append(waiting, sl)
			}
			return nil
		})
		if err != nil {
			return res, false, err
		}
	}
	if mine != nil {
		if mine.Queued == 0 {
			res.Acquired = true // already holds one
			return res, len(res.Released) > 0, nil
		}
		res.place = mine.Queued
	}
	for _, w := range waiting {
		if mine == nil || w.Queued < mine.Queued {
			res.Ahead++
		}
	}
	if len(running) < limit && res.Ahead < limit-len(running) {
		res.Acquired = true
		return res, true, nil
	}
	res.Holders = running
	return res, len(res.Released) > 0 || (queue && mine == nil), nil
}

// ReleaseSlot frees the slot or the place in line of execution execID of flow ns.id, if it
// holds one. Recording an execution's end does this already; ReleaseSlot is for an
// execution that ends without being recorded.
func (s *Store) ReleaseSlot(ns, id, execID string) error {
	return s.update(func(tx *bolt.Tx) error {
		err := s.guarded(tx, func(g *guard) error { return g.key([]byte(execID), bucketSlots, flowKey(ns, id)) })
		if err != nil {
			return err
		}
		return releaseSlot(tx, ns, id, execID)
	})
}

// Slots lists the executions holding or waiting for a slot of flow ns.id.
func (s *Store) Slots(ns, id string) ([]Slot, error) {
	var out []Slot
	err := s.read(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSlots)
		if root == nil {
			return nil
		}
		b := root.Bucket(flowKey(ns, id))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			sl, err := decodeSlot(k, v)
			if err != nil {
				return s.corrupt(fmt.Sprintf("concurrency slot of %s.%s: %v", ns, id, err))
			}
			out = append(out, sl)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// Running slots first, then the line in its order.
	slices.SortStableFunc(out, func(a, b Slot) int { return cmp.Compare(a.Queued, b.Queued) })
	return out, nil
}

// releaseSlot deletes the slot of execID, if any, within tx. Executions of flows without a
// concurrency limit hold none: looking costs two bucket lookups and writes nothing.
func releaseSlot(tx *bolt.Tx, ns, id, execID string) error {
	root := tx.Bucket(bucketSlots)
	if root == nil {
		return nil
	}
	b := root.Bucket(flowKey(ns, id))
	if b == nil || b.Get([]byte(execID)) == nil {
		return nil
	}
	return b.Delete([]byte(execID))
}

func encodeSlot(s Slot) []byte {
	b := binary.AppendUvarint(nil, uint64(s.Holder.PID))
	b = appendString(b, s.Holder.BootID)
	b = binary.BigEndian.AppendUint64(b, s.Holder.Start)
	b = appendTime(b, s.Holder.Since)
	b = binary.BigEndian.AppendUint64(b, s.Queued)
	return appendString(b, s.Holder.Lease)
}

func decodeSlot(k, v []byte) (Slot, error) {
	pid, n := binary.Uvarint(v)
	if n <= 0 {
		return Slot{}, fmt.Errorf("execution %s: record cut short", k)
	}
	d := decoder{b: v[n:]}
	s := Slot{ExecID: string(k), Holder: Holder{PID: int(pid)}}
	s.Holder.BootID = d.string()
	s.Holder.Start = d.uint64()
	s.Holder.Since = d.time()
	s.Queued = d.uint64()
	s.Holder.Lease = d.string()
	if d.err != nil {
		return Slot{}, fmt.Errorf("execution %s: %v", k, d.err)
	}
	return s, nil
}
