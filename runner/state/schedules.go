package state

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Schedules. Each Schedule trigger of an applied flow has an entry: the latest scheduled date
// handled (run or skipped) and the first date after it. A tick reads the entries alone to
// find what is due, so with a thousand applied flows and nothing due it parses no flow; and
// it claims each date in a transaction that moves Last past it, so two ticks that overlap
// never run one date twice.

// bucketSchedules is made on first use, like bucketSlots.
var bucketSchedules = []byte("schedules")

// ScheduleEntry is the progress of one Schedule trigger.
type ScheduleEntry struct {
	Namespace, FlowID, TriggerID string
	// Last is the latest scheduled date handled, run or skipped; when the trigger was
	// applied, the apply time.
	Last time.Time
	// Next is the first scheduled date after Last.
	Next time.Time
	// Ran is the latest scheduled date run (zero: none yet); Last may be later, past
	// skipped dates.
	Ran time.Time
	// Spec is what the dates are computed from (cron, withSeconds, timezone): a trigger
	// applied again with another keeps its progress only if it did not change.
	Spec string
}

func scheduleKey(ns, id, trigger string) []byte {
	return []byte(ns + "\x00" + id + "\x00" + trigger)
}

// SetSchedules replaces the schedule entries of flow ns.id, in one transaction, by what fn
// returns given the current ones (by trigger id): `flow apply` keeps the progress of the
// triggers that stay and starts new ones from now.
func (s *Store) SetSchedules(ns, id string, fn func(old map[string]ScheduleEntry) []ScheduleEntry) error {
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.whole(bucketSchedules) }); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketSchedules)
		if err != nil {
			return err
		}
		old, err := s.flowSchedules(b, ns, id)
		if err != nil {
			return err
		}
		byID := make(map[string]ScheduleEntry, len(old))
		for _, e := range old {
			byID[e.TriggerID] = e
			if err := b.Delete(scheduleKey(ns, id, e.TriggerID)); err != nil {
				return err
			}
		}
		for _, e := range fn(byID) {
			if err := b.Put(scheduleKey(ns, id, e.TriggerID), encodeSchedule(e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Schedules returns every schedule entry, the first due first.
func (s *Store) Schedules() ([]ScheduleEntry, error) {
	var out []ScheduleEntry
	err := s.read(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchedules)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			e, err := s.decodeSchedule(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		// What an interrupted read (see Store.locked) may still write is not read.
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b ScheduleEntry) int { return a.Next.Compare(b.Next) })
	return out, nil
}

// ClaimSchedule takes scheduled date of trigger ns.id/trigger: it succeeds when date is after
// the entry's Last, and moves Last to date and Next to next; with run, the caller runs the
// date (Ran is set), else it passes over skipped dates. A date already claimed (by an
// overlapping tick), or a trigger whose entry is gone (its flow deleted or re-applied
// without it), is not claimed.
func (s *Store) ClaimSchedule(ns, id, trigger string, date, next time.Time, run bool) (bool, error) {
	claimed := false
	err := s.updateSchedule(ns, id, trigger, func(e *ScheduleEntry) bool {
		if !date.After(e.Last) {
			return false
		}
		e.Last, e.Next = date, next
		if run {
			e.Ran = date
		}
		claimed = true
		return true
	})
	if err != nil {
		return false, err
	}
	return claimed, nil
}

// SetScheduleNext sets the next date of trigger ns.id/trigger, if its Last is still last (no
// overlapping tick moved it meanwhile): to put right a Next computed in another time zone
// (`flow apply` on a machine set to another zone), or to look at a schedule that cannot run
// now again later instead of at every tick.
func (s *Store) SetScheduleNext(ns, id, trigger string, last, next time.Time) error {
	return s.updateSchedule(ns, id, trigger, func(e *ScheduleEntry) bool {
		if !e.Last.Equal(last) || e.Next.Equal(next) {
			return false
		}
		e.Next = next
		return true
	})
}

// updateSchedule lets change change the entry of trigger ns.id/trigger, in one transaction,
// and writes it back when change says it changed it. An entry that is gone is left alone.
func (s *Store) updateSchedule(ns, id, trigger string, change func(*ScheduleEntry) bool) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchedules)
		if b == nil {
			return nil
		}
		key := scheduleKey(ns, id, trigger)
		if err := s.guarded(tx, func(g *guard) error { return g.key(key, bucketSchedules) }); err != nil {
			return err
		}
		v := b.Get(key)
		if v == nil {
			return nil
		}
		e, err := s.decodeSchedule(key, v)
		if err != nil || !change(&e) {
			return err
		}
		return b.Put(key, encodeSchedule(e))
	})
}

// DeleteSchedules drops the schedule entries of flow ns.id: a tick that finds entries of a
// flow no longer applied (deleted between its apply's two transactions) cleans them up.
func (s *Store) DeleteSchedules(ns, id string) error {
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.whole(bucketSchedules) }); err != nil {
			return err
		}
		return deleteSchedules(tx, ns, id)
	})
}

// flowSchedules reads the entries of one flow.
func (s *Store) flowSchedules(b *bolt.Bucket, ns, id string) ([]ScheduleEntry, error) {
	prefix := []byte(ns + "\x00" + id + "\x00")
	var out []ScheduleEntry
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		e, err := s.decodeSchedule(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b ScheduleEntry) int { return cmp.Compare(a.TriggerID, b.TriggerID) })
	return out, nil
}

// deleteSchedules drops the entries of flow ns.id within tx.
func deleteSchedules(tx *bolt.Tx, ns, id string) error {
	b := tx.Bucket(bucketSchedules)
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

func encodeSchedule(e ScheduleEntry) []byte {
	return appendString(appendTime(appendTime(appendTime(nil, e.Last), e.Next), e.Ran), e.Spec)
}

func (s *Store) decodeSchedule(k, v []byte) (ScheduleEntry, error) {
	parts := strings.SplitN(string(k), "\x00", 3)
	d := decoder{b: v}
	e := ScheduleEntry{Last: d.time(), Next: d.time()}
	// Ran and Spec came later: an entry written without them reads as never run, and its
	// spec as unknown (the next apply starts it afresh).
	if len(d.b) > 0 {
		e.Ran = d.time()
	}
	if len(d.b) > 0 {
		e.Spec = d.string()
	}
	if len(parts) != 3 || d.err != nil {
		return e, s.corrupt(fmt.Sprintf("schedule entry %q: damaged", k))
	}
	e.Namespace, e.FlowID, e.TriggerID = parts[0], parts[1], parts[2]
	return e, nil
}

// ClaimPoll takes the evaluation of polling trigger ns.id/trigger due at now: it succeeds
// when the entry is still as the caller read it (its Last is last, so no overlapping tick
// evaluated it meanwhile) and due, and moves Last to now and Next to next.
func (s *Store) ClaimPoll(ns, id, trigger string, last, now, next time.Time) (bool, error) {
	claimed := false
	err := s.updateSchedule(ns, id, trigger, func(e *ScheduleEntry) bool {
		if !e.Last.Equal(last) || e.Next.After(now) {
			return false
		}
		e.Last, e.Next = now, next
		claimed = true
		return true
	})
	return claimed, err
}

// SetScheduleRan records that trigger ns.id/trigger started an execution at ran: a polling
// trigger whose answer met its condition.
func (s *Store) SetScheduleRan(ns, id, trigger string, ran time.Time) error {
	return s.updateSchedule(ns, id, trigger, func(e *ScheduleEntry) bool {
		e.Ran = ran
		return true
	})
}
