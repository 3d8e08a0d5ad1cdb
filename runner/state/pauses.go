package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Pauses. An execution whose Pause task waits for a resume has a pause record, written in
// the transaction that records it PAUSED: what the resume checks its values against. A
// resume (`flowctl executions resume`, from any process) writes its values into that record;
// the process that waits polls for them, takes them and goes on. The record goes when the
// pause ends, however it ends.

// bucketPauses is made on first use, like bucketSlots.
var bucketPauses = []byte("pauses")

// ErrNotPaused is the error of a resume of an execution that is not PAUSED (a
// *NotPausedError says more).
var ErrNotPaused = errors.New("not paused")

// NotPausedError is the error of a resume of execution ID, which is in State, or whose pause
// was Resumed already.
type NotPausedError struct {
	ID, State string
	Resumed   bool
}

func (e *NotPausedError) Error() string {
	if e.Resumed {
		return fmt.Sprintf("execution %s was resumed already", e.ID)
	}
	return fmt.Sprintf("execution %s is %s, not PAUSED", e.ID, e.State)
}

// Is makes errors.Is(err, ErrNotPaused) true.
func (e *NotPausedError) Is(target error) bool { return target == ErrNotPaused }

// PauseRecord is the pause an execution waits in.
type PauseRecord struct {
	// TaskRunID and TaskID are the paused task run's.
	TaskRunID string `json:"taskRunId"`
	TaskID    string `json:"taskId"`
	// OnResume is the Pause task's onResume input definitions as YAML ("" when none): a
	// resume's values are checked against them.
	OnResume string `json:"onResume,omitempty"`
	// Resumed is set by the resume; Values are its onResume values, typed.
	Resumed   bool           `json:"resumed,omitempty"`
	ResumedAt time.Time      `json:"resumedAt,omitzero"`
	Values    map[string]any `json:"values,omitempty"`
}

// PauseExecution records r (PAUSED) and its pause p in one transaction, so that a resume
// never sees the one without the other.
func (s *Store) PauseExecution(r ExecRecord, p PauseRecord) error {
	if err := checkID(r.ID); err != nil {
		return err
	}
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error {
			if err := g.key([]byte(r.ID), bucketPauses); err != nil {
				return err
			}
			return s.putExec(tx, g, r)
		}); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists(bucketPauses)
		if err != nil {
			return err
		}
		return b.Put([]byte(r.ID), v)
	})
}

// Pause returns the pause record of execution id; ok is false when it has none.
func (s *Store) Pause(id string) (p PauseRecord, ok bool, err error) {
	err = s.read(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPauses)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &p); err != nil {
			return s.corrupt(fmt.Sprintf("pause of execution %s: %v", id, err))
		}
		ok = true
		return nil
	})
	return p, ok, err
}

// Resume records the resume of execution id, PAUSED, with the onResume values that check
// returns given its pause (check refuses values that do not fit the definitions). An
// execution that is not PAUSED, or whose pause was already resumed, is refused with
// ErrNotPaused; one that does not exist with a NotFoundError.
func (s *Store) Resume(id string, now time.Time, check func(PauseRecord) (map[string]any, error)) error {
	return s.update(func(tx *bolt.Tx) error {
		ev := tx.Bucket(bucketExecs).Get([]byte(id))
		if ev == nil {
			return &NotFoundError{Ref: id}
		}
		rec, err := s.decodeSummarised(id, ev)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketPauses)
		var v []byte
		if b != nil {
			v = b.Get([]byte(id))
		}
		if rec.State != "PAUSED" || v == nil {
			return &NotPausedError{ID: id, State: rec.State}
		}
		var p PauseRecord
		if err := json.Unmarshal(v, &p); err != nil {
			return s.corrupt(fmt.Sprintf("pause of execution %s: %v", id, err))
		}
		if p.Resumed {
			return &NotPausedError{ID: id, State: rec.State, Resumed: true}
		}
		values, err := check(p)
		if err != nil {
			return err
		}
		p.Resumed, p.ResumedAt, p.Values = true, now.UTC(), values
		nv, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := s.guarded(tx, func(g *guard) error { return g.key([]byte(id), bucketPauses) }); err != nil {
			return err
		}
		return b.Put([]byte(id), nv)
	})
}

// EndPause removes the pause record of execution id and records r, in one transaction: the
// pause ended (resumed, or its time passed). It returns the record as it was: Resumed tells
// whether a resume came before the end.
func (s *Store) EndPause(r ExecRecord) (PauseRecord, error) {
	var p PauseRecord
	if err := checkID(r.ID); err != nil {
		return p, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error {
			if err := g.key([]byte(r.ID), bucketPauses); err != nil {
				return err
			}
			return s.putExec(tx, g, r)
		}); err != nil {
			return err
		}
		if b := tx.Bucket(bucketPauses); b != nil {
			if v := b.Get([]byte(r.ID)); v != nil {
				if err := json.Unmarshal(v, &p); err != nil {
					return s.corrupt(fmt.Sprintf("pause of execution %s: %v", r.ID, err))
				}
				if err := b.Delete([]byte(r.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return p, err
}
