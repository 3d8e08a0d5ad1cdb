package state

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestResumeRecordLifecycle(t *testing.T) {
	s := newStore(t, Options{})
	r := execRec("e1", "dev", "build", "PAUSED", t0)
	r.EndDate = time.Time{}
	p := PauseRecord{TaskRunID: "tr1", TaskID: "wait", OnResume: "- id: ok\n  type: BOOLEAN\n"}
	if err := s.PauseExecution(r, p); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Pause("e1")
	if err != nil || !ok || got.TaskID != "wait" || got.OnResume != p.OnResume || got.Resumed {
		t.Fatalf("Pause = %+v, %v, %v; want the record, not resumed", got, ok, err)
	}
	var seen PauseRecord
	err = s.Resume("e1", t0.Add(time.Minute), func(p PauseRecord) (map[string]any, error) {
		seen = p
		return map[string]any{"ok": true}, nil
	})
	if err != nil || seen.TaskRunID != "tr1" {
		t.Fatalf("Resume = %v (check saw %+v)", err, seen)
	}
	got, _, _ = s.Pause("e1")
	if !got.Resumed || got.Values["ok"] != true || !got.ResumedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after resume: %+v, want resumed with ok=true", got)
	}
	// A second resume before the waiting process took the first is refused.
	err = s.Resume("e1", t0, func(PauseRecord) (map[string]any, error) { return nil, nil })
	if !errors.Is(err, ErrNotPaused) {
		t.Errorf("second resume: got %v, want ErrNotPaused", err)
	}
	r.State = "RUNNING"
	ended, err := s.EndPause(r)
	if err != nil || !ended.Resumed || ended.Values["ok"] != true {
		t.Fatalf("EndPause = %+v, %v; want the resumed record", ended, err)
	}
	if _, ok, _ := s.Pause("e1"); ok {
		t.Error("the pause record outlived the pause")
	}
	if rec, _, _ := s.Execution("e1"); rec.State != "RUNNING" {
		t.Errorf("execution state %s, want RUNNING", rec.State)
	}
	err = s.Resume("e1", t0, func(PauseRecord) (map[string]any, error) { return nil, nil })
	if !errors.Is(err, ErrNotPaused) || !strings.Contains(err.Error(), "execution e1 is RUNNING, not PAUSED") {
		t.Errorf("resume of a running execution: got %v", err)
	}
}

func TestResumeRefusals(t *testing.T) {
	s := newStore(t, Options{})
	var nf *NotFoundError
	if err := s.Resume("nope", t0, nil); !errors.As(err, &nf) {
		t.Errorf("unknown execution: got %v, want NotFoundError", err)
	}
	r := execRec("e2", "dev", "build", "PAUSED", t0)
	r.EndDate = time.Time{}
	if err := s.PauseExecution(r, PauseRecord{TaskID: "wait"}); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("input ok: expected a boolean")
	if err := s.Resume("e2", t0, func(PauseRecord) (map[string]any, error) { return nil, bad }); !errors.Is(err, bad) {
		t.Errorf("refused values: got %v, want the check's error", err)
	}
	if p, _, _ := s.Pause("e2"); p.Resumed {
		t.Error("values the check refused resumed the execution")
	}
}
