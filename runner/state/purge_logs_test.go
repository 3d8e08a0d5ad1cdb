package state

import (
	"testing"
	"time"
)

func TestPurgeLogs(t *testing.T) {
	s := newStore(t, Options{})
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	put := func(id, ns, flow string, start time.Time) {
		t.Helper()
		if err := s.PutExecution(ExecRecord{ID: id, Namespace: ns, FlowID: flow, State: "SUCCESS", StartDate: start, EndDate: start.Add(time.Hour), Doc: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
		err := s.PutLogs(id, []LogEntry{
			{TaskRunID: "r", Time: start, Level: "INFO", Message: "started"},
			{TaskRunID: "r", Time: start.Add(time.Minute), Level: "ERROR", Message: "broke"},
			{TaskRunID: "r", Time: start.Add(30 * time.Minute), Level: "INFO", Message: "late"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("a", "company.team", "etl", now.AddDate(0, 0, -3))
	put("b", "company.teamx", "etl", now.AddDate(0, 0, -3))
	put("self", "company.team", "purge", now.AddDate(0, 0, -3))
	put("child", "company.team.sub", "etl", now.AddDate(0, 0, -3))

	// INFO lines up to 10 minutes after a's start: one of a's; b and child are other
	// namespaces (the namespace is compared whole, as Kestra's repository does), self is
	// excepted.
	n, err := s.PurgeLogs(LogPurgeFilter{Namespace: "company.team", Levels: []string{"info"}, To: now.AddDate(0, 0, -3).Add(10 * time.Minute), Except: "self"})
	if err != nil || n != 1 {
		t.Fatalf("got %d, %v; want 1", n, err)
	}
	logs, _ := s.Logs("a")
	if len(logs) != 2 || logs[0].Message != "broke" || logs[1].Message != "late" {
		t.Errorf("a's logs: %v", logs)
	}
	for _, id := range []string{"b", "self", "child"} {
		if logs, _ := s.Logs(id); len(logs) != 3 {
			t.Errorf("%s lost lines: %v", id, logs)
		}
	}
	// Every level, a flow exactly, from a start date.
	n, err = s.PurgeLogs(LogPurgeFilter{Namespace: "company.teamx", FlowID: "etl", From: now.AddDate(0, 0, -3).Add(time.Minute), To: now})
	if err != nil || n != 2 {
		t.Fatalf("got %d, %v; want 2", n, err)
	}
	if logs, _ := s.Logs("b"); len(logs) != 1 || logs[0].Message != "started" {
		t.Errorf("b's logs: %v", logs)
	}
	if _, ok, _ := s.Execution("b"); !ok {
		t.Error("the execution went with its logs")
	}
}
