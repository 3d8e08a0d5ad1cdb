package state

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLogsCappedPerTaskRunWithMarker(t *testing.T) {
	s := newStore(t, Options{LogCap: 100})
	if err := s.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0)); err != nil {
		t.Fatal(err)
	}
	line := func(run string, i int) LogEntry {
		return LogEntry{TaskRunID: run, Time: t0.Add(time.Duration(i) * time.Second), Level: "INFO",
			Message: fmt.Sprintf("%s line %02d %s", run, i, strings.Repeat(".", 30-len(run)-9))}
	}
	// 30-byte lines: three fit in 100 bytes, the fourth is cut with everything after it.
	first := []LogEntry{line("a", 1), line("b", 1), line("a", 2), line("a", 3), line("a", 4), line("b", 2), line("a", 5)}
	if err := s.PutLogs("e1", first); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLogs("e1", []LogEntry{line("a", 6), line("b", 3), line("", 1)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Logs("e1")
	if err != nil {
		t.Fatal(err)
	}
	text := func(e LogEntry) string { return e.TaskRunID + "|" + e.Level + "|" + e.Message }
	var lines []string
	for _, e := range got {
		lines = append(lines, text(e))
	}
	want := []string{
		text(line("a", 1)), text(line("b", 1)), text(line("a", 2)), text(line("a", 3)),
		"a|WARN|… log cut at 100 bytes: 90 more bytes not kept",
		text(line("b", 2)), text(line("b", 3)), text(line("", 1)),
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(got) > 4 && !got[4].Time.Equal(t0.Add(4*time.Second)) {
		t.Errorf("marker time %v, want that of the first line cut, %v", got[4].Time, t0.Add(4*time.Second))
	}
}

func TestLogsCutByTheWriterGetTheMarker(t *testing.T) {
	s := newStore(t, Options{LogCap: 100})
	if err := s.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0)); err != nil {
		t.Fatal(err)
	}
	// The writer kept two short lines and counted 5000 bytes it did not keep.
	entries := []LogEntry{
		{TaskRunID: "a", Time: t0, Level: "INFO", Message: "one"},
		{TaskRunID: "a", Time: t0, Level: "INFO", Message: "two"},
		{TaskRunID: "a", Time: t0.Add(time.Second), Cut: 5000},
	}
	if err := s.PutLogs("e1", entries); err != nil {
		t.Fatal(err)
	}
	// A later line of the same task run is cut too.
	if err := s.PutLogs("e1", []LogEntry{{TaskRunID: "a", Time: t0.Add(2 * time.Second), Level: "INFO", Message: "late"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Logs("e1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Message != "one" || got[1].Message != "two" {
		t.Fatalf("lines: got %+v, want one, two and the marker", got)
	}
	if m := got[2]; m.Level != MarkerLevel || m.Message != "… log cut at 100 bytes: 5004 more bytes not kept" || !m.Time.Equal(t0.Add(time.Second)) {
		t.Errorf("marker: got %s %q at %v, want the writer's cut counted with the late line, at its time", m.Level, m.Message, m.Time)
	}
}

func TestLogsNeedTheirExecution(t *testing.T) {
	s := newStore(t, Options{})
	if err := s.PutLogs("ghost", []LogEntry{{Message: "x"}}); err == nil {
		t.Error("logs of an execution that is not recorded were accepted")
	}
	if got, err := s.Logs("ghost"); err != nil || got != nil {
		t.Errorf("Logs of an unknown execution = %v, %v; want none, no error", got, err)
	}
}

func TestPutExecutionLogsRecordsBothAtOnce(t *testing.T) {
	s := newStore(t, Options{})
	rec := execRec("e1", "dev", "f", "SUCCESS", t0)
	if err := s.PutExecutionLogs(rec, []LogEntry{{TaskRunID: "r1", Time: t0, Level: "INFO", Message: "hello"}}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Execution("e1")
	if err != nil || !ok || got.State != "SUCCESS" {
		t.Errorf("Execution: got %+v %v %v, want the SUCCESS record", got, ok, err)
	}
	logs, err := s.Logs("e1")
	if err != nil || len(logs) != 1 || logs[0].Message != "hello" {
		t.Errorf("Logs: got %v %v, want the one line", logs, err)
	}
	if err := s.PutExecutionLogs(ExecRecord{}, nil); err == nil {
		t.Error("an execution without an id was accepted")
	}
}

func TestLogsAfterReadsOnlyNewLines(t *testing.T) {
	s := newStore(t, Options{})
	if err := s.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0)); err != nil {
		t.Fatal(err)
	}
	got, pos, err := s.LogsAfter("e1", 0)
	if err != nil || len(got) != 0 || pos != 0 {
		t.Fatalf("no logs yet: got %v, position %d, %v", got, pos, err)
	}
	batch := func(msgs ...string) []LogEntry {
		var out []LogEntry
		for _, m := range msgs {
			out = append(out, LogEntry{TaskRunID: "a", Time: t0, Level: "INFO", Message: m})
		}
		return out
	}
	messages := func(es []LogEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Message)
		}
		return strings.Join(out, ",")
	}
	if err := s.PutLogs("e1", batch("one", "two")); err != nil {
		t.Fatal(err)
	}
	got, pos, err = s.LogsAfter("e1", 0)
	if err != nil || messages(got) != "one,two" {
		t.Fatalf("first read: %q, %v", messages(got), err)
	}
	if err := s.PutLogs("e1", batch("three")); err != nil {
		t.Fatal(err)
	}
	got, pos2, err := s.LogsAfter("e1", pos)
	if err != nil || messages(got) != "three" || pos2 <= pos {
		t.Fatalf("second read from %d: %q at %d, %v", pos, messages(got), pos2, err)
	}
	got, pos3, err := s.LogsAfter("e1", pos2)
	if err != nil || len(got) != 0 || pos3 != pos2 {
		t.Fatalf("nothing new: %q at %d, %v", messages(got), pos3, err)
	}
}
