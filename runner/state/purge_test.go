package state

import (
	"strings"
	"testing"
	"time"
)

func TestPurgeExecutions(t *testing.T) {
	s := newStore(t, Options{})
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	put := func(id, ns, flow, state string, start time.Time, ended bool) {
		t.Helper()
		rec := ExecRecord{ID: id, Namespace: ns, FlowID: flow, State: state, StartDate: start, Doc: []byte("{}")}
		if ended {
			rec.EndDate = start.Add(time.Minute)
		}
		if err := s.PutExecution(rec); err != nil {
			t.Fatal(err)
		}
		if err := s.PutLogs(id, []LogEntry{{TaskRunID: "r", Time: start, Level: "INFO", Message: "a"}, {TaskRunID: "r", Time: start, Level: "INFO", Message: "b"}}); err != nil {
			t.Fatal(err)
		}
		x := s.Storage().Execution(ns, flow, id)
		if _, err := x.Task("t", "r").Put("f.txt", strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	put("old", "company.team", "etl", "SUCCESS", now.AddDate(0, 0, -10), true)
	put("oldfail", "company.team.sub", "etl", "FAILED", now.AddDate(0, 0, -9), true)
	put("other", "companyx", "etl", "SUCCESS", now.AddDate(0, 0, -9), true)
	put("running", "company.team", "etl", "RUNNING", now.AddDate(0, 0, -8), false)
	put("self", "company.team", "purge", "SUCCESS", now.AddDate(0, 0, -7), true)
	put("recent", "company.team", "etl", "SUCCESS", now, true)
	// Started before the end date, ended after it (a minute long): Kestra compares the end.
	put("late", "company.team", "etl", "SUCCESS", now.AddDate(0, 0, -1).Add(-30*time.Second), true)

	// The namespace is a prefix by whole segments; the running one, the one excepted and
	// those that ended after the end date stay.
	r, err := s.PurgeExecutions(PurgeFilter{Namespace: "company.team", To: now.AddDate(0, 0, -1), Except: "self", Executions: true, Logs: true, Files: true})
	if err != nil {
		t.Fatal(err)
	}
	if r != (PurgeResult{Executions: 2, Logs: 4, Files: 2}) {
		t.Errorf("got %+v, want 2 executions, 4 logs, 2 files", r)
	}
	for _, id := range []string{"old", "oldfail"} {
		if _, ok, _ := s.Execution(id); ok {
			t.Errorf("%s still recorded", id)
		}
		if logs, _ := s.Logs(id); len(logs) != 0 {
			t.Errorf("%s: logs left: %v", id, logs)
		}
	}
	for _, id := range []string{"other", "running", "self", "recent", "late"} {
		if _, ok, _ := s.Execution(id); !ok {
			t.Errorf("%s was deleted", id)
		}
	}
	if files, _ := s.Storage().List("company.team", "etl", "old"); len(files) != 0 {
		t.Errorf("files of old left: %v", files)
	}

	// Logs only: the execution stays; a flow exactly, and a state filter.
	r, err = s.PurgeExecutions(PurgeFilter{Namespace: "company.team", FlowID: "purge", To: now, States: []string{"success"}, Logs: true})
	if err != nil || r != (PurgeResult{Logs: 2}) {
		t.Fatalf("logs only: %+v, %v", r, err)
	}
	if _, ok, _ := s.Execution("self"); !ok {
		t.Error("logs only deleted the execution")
	}
	if logs, _ := s.Logs("self"); len(logs) != 0 {
		t.Errorf("logs left: %v", logs)
	}
	if files, _ := s.Storage().List("company.team", "purge", "self"); len(files) != 1 {
		t.Errorf("files went with the logs: %v", files)
	}
}
